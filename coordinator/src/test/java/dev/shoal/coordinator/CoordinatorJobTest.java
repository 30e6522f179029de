package dev.shoal.coordinator;

import dev.shoal.api.ClusterView;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.coordinator.job.ItemSource;
import dev.shoal.api.JobRequest;
import dev.shoal.api.JobState;
import dev.shoal.api.JobStatus;
import dev.shoal.coordinator.job.LinesSource;
import dev.shoal.coordinator.job.ListSource;
import dev.shoal.coordinator.job.RangeSource;
import dev.shoal.api.ChunkResults;
import dev.shoal.protocol.CoordinatorProtocol;
import dev.shoal.api.FunctionKind;
import dev.shoal.protocol.FunctionRegistry;
import dev.shoal.protocol.ItemBatch;
import dev.shoal.protocol.JobProtocol;
import dev.shoal.api.ShoalFunction;
import dev.shoal.protocol.WorkerProtocol;
import dev.shoal.worker.Gate;
import dev.shoal.worker.Worker;
import dev.shoal.worker.WorkerExecutors;
import dev.shoal.worker.WorkerSettings;
import java.io.BufferedReader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import java.util.concurrent.CompletionStage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The coordinator and its job actors with real worker actors, all in one local actor system: what
 * a job's results look like at its sink. Each test has its own coordinator and workers.
 */
class CoordinatorJobTest {

  /** The sha256 of the {@code square} anchor's output (/work/shared/anchors/expected.sha256). */
  private static final String SQUARE_DIGEST = "16c2f41eedf32042fc6a0eccb13a7f283ae524b385e9954c03546d5c6caf2fdf";
  private static final Duration WAIT = Duration.ofSeconds(60);

  private static final ActorTestKit testKit = ActorTestKit.create("coordinator-test");
  private static final List<String> recorded = Collections.synchronizedList(new ArrayList<>());
  private static final FunctionRegistry functions =
      FunctionRegistry.load(null, true).with(new Gate()).with(new Record());

  private WorkerExecutors executors;
  private final List<ActorRef<?>> spawned = new ArrayList<>();

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void setUp() {
    executors = new WorkerExecutors(2, 512);
  }

  @AfterEach
  void tearDown() {
    spawned.forEach(testKit::stop);
    spawned.clear();
    executors.close();
  }

  @Test
  void orderedResultsAreWrittenInInputOrderWhenChunksCompleteOutOfOrder() throws Exception {
    ActorRef<CoordinatorProtocol.Command> coordinator = coordinator(64);
    workers(coordinator, 3, 0);
    Gate.State gate = Gate.create("ordered");
    RecordingSink sink = new RecordingSink();
    String id = submit(coordinator, new JobRequest("gate", "{\"gate\":\"ordered\",\"items\":[0]}", 1, true, 0),
        new RangeSource(0, 6), sink);
    // items 1..5 have reached the job while item 0 is held at the gate: they must wait for it
    awaitDone(coordinator, id, 5);
    assertEquals(List.of(), sink.writes());
    gate.open();

    assertEquals(JobState.SUCCEEDED, sink.awaitClosed().state());
    assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L), sink.indexes());
    assertEquals(identity(6), sink.outcomes());
  }

  @Test
  void unorderedResultsAreWrittenAsTheyCompleteEachIndexOnce() throws Exception {
    ActorRef<CoordinatorProtocol.Command> coordinator = coordinator(64);
    workers(coordinator, 3, 0);
    Gate.State gate = Gate.create("unordered");
    RecordingSink sink = new RecordingSink();
    String id = submit(coordinator, new JobRequest("gate", "{\"gate\":\"unordered\",\"items\":[0]}", 1, false, 0),
        new RangeSource(0, 6), sink);
    awaitDone(coordinator, id, 5);
    testKit.createTestProbe().awaitAssert(WAIT, () -> {
      assertEquals(5, sink.writes().size());
      return null;
    });
    assertTrue(!sink.indexes().contains(0L), sink.indexes().toString());
    gate.open();

    assertEquals(JobState.SUCCEEDED, sink.awaitClosed().state());
    List<Long> indexes = sink.indexes();
    assertEquals(0L, indexes.get(indexes.size() - 1));
    assertEquals(identity(6), sink.outcomes());
  }

  @Test
  void theOldestJobGetsEveryWorkerBeforeAYoungerOne() throws Exception {
    ActorRef<CoordinatorProtocol.Command> coordinator = coordinator(64);
    RecordingSink a = new RecordingSink();
    RecordingSink b = new RecordingSink();
    submit(coordinator, new JobRequest("record", "{\"tag\":\"fifo-a\"}", 1, true, 0), new RangeSource(0, 8), a);
    submit(coordinator, new JobRequest("record", "{\"tag\":\"fifo-b\"}", 1, true, 0), new RangeSource(0, 8), b);
    // one worker, one slot: it runs chunks in the order they were dispatched to it
    workers(coordinator, 1, 2);

    JobStatus sa = a.awaitClosed();
    JobStatus sb = b.awaitClosed();
    assertEquals(JobState.SUCCEEDED, sa.state());
    assertEquals(JobState.SUCCEEDED, sb.state());
    List<String> order;
    synchronized (recorded) {
      order = recorded.stream().filter(r -> r.startsWith("fifo-")).map(r -> r.substring(0, 6)).toList();
    }
    assertEquals(Collections.nCopies(8, "fifo-a"), order.subList(0, 8), order.toString());
    assertEquals(Collections.nCopies(8, "fifo-b"), order.subList(8, 16), order.toString());
    assertTrue(sb.startedAt() >= sa.startedAt());
  }

  @Test
  void itemErrorsCompleteTheJobWithErrorsAndOnlyThoseItemsFail() throws Exception {
    ActorRef<CoordinatorProtocol.Command> coordinator = coordinator(64);
    workers(coordinator, 2, 2);
    RecordingSink sink = new RecordingSink();
    submit(coordinator, new JobRequest("fail", "{\"items\":[3,5]}", 2, true, 0), new RangeSource(0, 10), sink);

    JobStatus s = sink.awaitClosed();
    assertEquals(JobState.COMPLETED_WITH_ERRORS, s.state());
    assertEquals(10, s.done());
    assertEquals(2, s.errors());
    Map<Long, String> expected = identity(10);
    expected.put(3L, "!RequestedFailure: fail was asked to fail item 3");
    expected.put(5L, "!RequestedFailure: fail was asked to fail item 5");
    assertEquals(expected, sink.outcomes());
  }

  @Test
  void anItemOverItsTimeLimitFailsAsTimeout() throws Exception {
    ActorRef<CoordinatorProtocol.Command> coordinator = coordinator(64);
    workers(coordinator, 2, 2);
    RecordingSink sink = new RecordingSink();
    submit(coordinator, new JobRequest("hang", "{\"items\":[2]}", 0, true, 300), new RangeSource(0, 5), sink);

    JobStatus s = sink.awaitClosed();
    assertEquals(JobState.COMPLETED_WITH_ERRORS, s.state());
    assertEquals(1, s.errors());
    Map<Long, String> expected = identity(5);
    expected.put(2L, "!Timeout: item took longer than timeoutMs=300");
    assertEquals(expected, sink.outcomes());
  }

  @Test
  void anEmptyInputSucceedsWithNoItemsEvenWithoutWorkers() throws Exception {
    ActorRef<CoordinatorProtocol.Command> coordinator = coordinator(64);
    List<ItemSource> sources = List.of(
        new RangeSource(0, 0),
        new ListSource(List.of()),
        new LinesSource(new BufferedReader(new StringReader(""))),
        new LinesSource(new BufferedReader(new StringReader("\n  \n\n"))));
    for (ItemSource source : sources) {
      RecordingSink sink = new RecordingSink();
      submit(coordinator, JobRequest.of("square"), source, sink);
      JobStatus s = sink.awaitClosed();
      assertEquals(JobState.SUCCEEDED, s.state(), source.getClass().getSimpleName());
      assertEquals(0, s.total(), source.getClass().getSimpleName());
      assertEquals(0, s.done(), source.getClass().getSimpleName());
      assertEquals(List.of(), sink.writes());
    }
  }

  @Test
  void aMillionSquaresGiveTheAnchorDigest() throws Exception {
    ActorRef<CoordinatorProtocol.Command> coordinator = coordinator(64);
    workers(coordinator, 2, 2);
    RecordingSink sink = new RecordingSink();
    submit(coordinator, JobRequest.of("square"), new RangeSource(0, 1_000_000), sink);

    JobStatus s = sink.awaitClosed();
    assertEquals(JobState.SUCCEEDED, s.state());
    assertEquals(1_000_000, s.done());
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    long next = 0;
    for (RecordingSink.Write w : sink.writes()) {
      assertEquals(next, w.firstIndex());
      for (long v : w.results().longs()) {
        sha.update((v + "\n").getBytes(StandardCharsets.US_ASCII));
      }
      next += w.results().size();
    }
    assertEquals(1_000_000, next);
    assertEquals(SQUARE_DIGEST, HexFormat.of().formatHex(sha.digest()));
  }

  @Test
  void aChunkThatKeepsKillingWorkersIsSplitUntilOnlyItsPoisonItemFails() throws Exception {
    ActorRef<CoordinatorProtocol.Command> coordinator = coordinator(64);
    List<ItemBatch> handedOut = Collections.synchronizedList(new ArrayList<>());
    spawned.add(testKit.spawn(MortalWorkers.create(coordinator, functions.infos(), 5, handedOut)));
    RecordingSink sink = new RecordingSink();
    submit(coordinator, new JobRequest("echo", "{}", 8, true, 0), new RangeSource(0, 8), sink);

    JobStatus s = sink.awaitClosed();
    assertEquals(JobState.COMPLETED_WITH_ERRORS, s.state());
    assertEquals(1, s.errors());
    Map<Long, String> expected = identity(8);
    expected.put(5L, "!WorkerLost: the worker running this item died 3 times");
    assertEquals(expected, sink.outcomes());

    // every hand-out happened before the job could end
    List<ItemBatch> poisoned;
    synchronized (handedOut) {
      poisoned = handedOut.stream().filter(b -> 5 >= b.rangeStart() && 5 < b.rangeStart() + b.count()).toList();
    }
    // the whole chunk dies poison-threshold (3) times, then ever smaller pieces until item 5 is alone
    assertEquals(List.of(ItemBatch.range(0, 8), ItemBatch.range(0, 8), ItemBatch.range(0, 8)), poisoned.subList(0, 3));
    assertEquals(ItemBatch.range(5, 1), poisoned.get(poisoned.size() - 1));
    for (int i = 1; i < poisoned.size(); i++) {
      assertTrue(poisoned.get(i).count() <= poisoned.get(i - 1).count(), poisoned.toString());
    }
  }

  @Test
  void aCancelledJobEndsCancelledAndFreesItsWorkersForTheNextJob() throws Exception {
    ActorRef<CoordinatorProtocol.Command> coordinator = coordinator(64);
    workers(coordinator, 2, 1);
    RecordingSink hung = new RecordingSink();
    String id = submit(coordinator, new JobRequest("hang", "{}", 2, true, 0), new RangeSource(0, 8), hung);
    TestProbe<Optional<JobStatus>> replies = testKit.createTestProbe();
    replies.awaitAssert(WAIT, () -> {
      coordinator.tell(new Coordinator.GetJob(id, replies.ref()));
      assertEquals(JobState.RUNNING, replies.receiveMessage().orElseThrow().state());
      return null;
    });

    coordinator.tell(new Coordinator.CancelJob(id, replies.ref()));
    assertEquals(JobState.CANCELLED, replies.receiveMessage(WAIT).orElseThrow().state());
    assertEquals(JobState.CANCELLED, hung.awaitClosed().state());
    // a finished job answers with its last status, an unknown one with nothing
    coordinator.tell(new Coordinator.CancelJob(id, replies.ref()));
    assertEquals(JobState.CANCELLED, replies.receiveMessage(WAIT).orElseThrow().state());
    coordinator.tell(new Coordinator.CancelJob("no-such-job", replies.ref()));
    assertEquals(Optional.empty(), replies.receiveMessage(WAIT));

    // the hanging items were interrupted, so both workers can run the next job
    RecordingSink next = new RecordingSink();
    submit(coordinator, new JobRequest("square", "{}", 3, true, 0), new RangeSource(0, 30), next);
    assertEquals(JobState.SUCCEEDED, next.awaitClosed().state());
    assertEquals(LongStream.range(0, 30).boxed().collect(Collectors.toMap(i -> i, i -> Long.toString(i * i))),
        next.outcomes());
  }

  @Test
  void aSlowSinkHoldsTheJobToItsWindow() throws Exception {
    int window = 8;
    int chunks = 200;
    ActorRef<CoordinatorProtocol.Command> coordinator = coordinator(window);
    // a worker that would take every chunk at once, and answers each as soon as it has it
    TestProbe<WorkerProtocol.Command> worker = testKit.createTestProbe(WorkerProtocol.Command.class);
    coordinator.tell(new CoordinatorProtocol.WorkerDemand(worker.ref(), 1000, 0, 1000, 0, 0, "probe", false, functions.infos()));
    Semaphore sinkPermits = new Semaphore(0);
    RecordingSink sink = new RecordingSink(sinkPermits);
    submit(coordinator, new JobRequest("echo", "{}", 1, true, 0), new RangeSource(0, chunks), sink);

    int maxOutstanding = 0;
    List<WorkerProtocol.ProcessChunk> sent = new ArrayList<>();
    for (int handedOut = 1; handedOut <= chunks; handedOut++) {
      if (sent.isEmpty()) {
        // whatever the job sends in one message, up to what is left
        sent.addAll(SentChunks.receiveAny(worker, chunks - handedOut + 1, WAIT));
      }
      WorkerProtocol.ProcessChunk c = sent.remove(0);
      int outstanding = handedOut - sink.writes().size();
      maxOutstanding = Math.max(maxOutstanding, outstanding);
      assertTrue(outstanding <= window, "chunk " + handedOut + " handed out with " + outstanding + " not yet written");
      c.replyTo().tell(new JobProtocol.ChunkProcessed(c.task().leaseId(),
          new ChunkResults(new long[] {c.task().items().rangeStart()}, null, List.of()), 1000, worker.ref()));
      // the sink lags half a window behind what has been handed out
      if (handedOut >= window / 2) {
        sinkPermits.release();
      }
    }
    sinkPermits.release(chunks);
    assertEquals(JobState.SUCCEEDED, sink.awaitClosed().state());
    assertEquals(identity(chunks), sink.outcomes());
    assertTrue(maxOutstanding > 1, "the sink never fell behind");
  }

  /**
   * Remoting costs per message: the chunks one offer gives one worker travel in one message, in the
   * job's order, and the results of several chunks can come back in one message, in any order.
   */
  @Test
  void anOffersChunksForOneWorkerGoInOneMessageAndComeBackInOne() throws Exception {
    ActorRef<CoordinatorProtocol.Command> coordinator = coordinator(64);
    TestProbe<WorkerProtocol.Command> worker = testKit.createTestProbe(WorkerProtocol.Command.class);
    coordinator.tell(new CoordinatorProtocol.WorkerDemand(worker.ref(), 4, 0, 4, 0, 0, "probe", false, functions.infos()));
    RecordingSink sink = new RecordingSink();
    submit(coordinator, new JobRequest("square", "{}", 2, true, 0), new RangeSource(0, 8), sink);

    WorkerProtocol.ProcessChunks sent = worker.expectMessageClass(WorkerProtocol.ProcessChunks.class, WAIT);
    assertEquals(List.of(0L, 2L, 4L, 6L), sent.tasks().stream().map(t -> t.firstIndex()).toList());
    List<JobProtocol.Processed> results = new ArrayList<>();
    for (int i = sent.tasks().size() - 1; i >= 0; i--) {
      ItemBatch items = sent.tasks().get(i).items();
      long[] squares = LongStream.range(items.rangeStart(), items.rangeStart() + items.count()).map(x -> x * x).toArray();
      results.add(new JobProtocol.Processed(sent.tasks().get(i).leaseId(), new ChunkResults(squares, null, List.of()), 1000));
    }
    sent.replyTo().tell(new JobProtocol.ChunksProcessed(results, worker.ref()));
    assertEquals(JobState.SUCCEEDED, sink.awaitClosed().state());
    assertEquals(LongStream.range(0, 8).boxed().collect(Collectors.toMap(i -> i, i -> Long.toString(i * i))),
        sink.outcomes());
  }

  /**
   * An offer can reach a job that has just stopped. Its credits must go back to the workers, or the
   * workers look busy forever and every later job starves (an empty job, which ends at once, made
   * the Java API hang now and then). The coordinator's thread is held in a {@code sinkFor} so that
   * its mailbox holds the losing order: a worker's demand, then the stopped job's JobFinished.
   */
  @Test
  void creditsOfferedToAJobThatStoppedBeforeSeeingThemGoBackToTheWorkers() throws Exception {
    ActorRef<CoordinatorProtocol.Command> coordinator = coordinator(64);
    // an empty job ends in its constructor; its sink's close waits, so the job is still alive
    CountDownLatch closeMayReturn = new CountDownLatch(1);
    String emptyId = submit(coordinator, JobRequest.of("square"), new RangeSource(0, 0), new RecordingSink() {
      @Override
      public void close(JobStatus status) {
        await(closeMayReturn);
        super.close(status);
      }
    });
    ActorRef<Object> emptyJob = Adapter.toTyped(Adapter.toClassic(testKit.system())
        .actorSelection(coordinator.path().child("job-" + emptyId)).resolveOne(WAIT).toCompletableFuture().get());

    CountDownLatch coordinatorHeld = new CountDownLatch(1);
    CountDownLatch coordinatorMayGo = new CountDownLatch(1);
    RecordingSink next = new RecordingSink();
    TestProbe<Coordinator.SubmitReply> reply = testKit.createTestProbe(Coordinator.SubmitReply.class);
    coordinator.tell(new Coordinator.SubmitJob(new JobRequest("square", "{}", 3, true, 0), new RangeSource(0, 3), id -> {
      coordinatorHeld.countDown();
      await(coordinatorMayGo);
      return next;
    }, reply.ref()));
    await(coordinatorHeld);

    TestProbe<WorkerProtocol.Command> worker = testKit.createTestProbe(WorkerProtocol.Command.class);
    coordinator.tell(new CoordinatorProtocol.WorkerDemand(worker.ref(), 1, 0, 1, 0, 0, "probe", false, functions.infos()));
    closeMayReturn.countDown();
    worker.expectTerminated(emptyJob, WAIT);
    coordinatorMayGo.countDown();

    assertInstanceOf(Coordinator.JobAccepted.class, reply.receiveMessage(WAIT));
    WorkerProtocol.ProcessChunk c = worker.expectMessageClass(WorkerProtocol.ProcessChunk.class, WAIT);
    c.replyTo().tell(new JobProtocol.ChunkProcessed(c.task().leaseId(),
        new ChunkResults(new long[] {0, 1, 4}, null, List.of()), 1000, worker.ref()));
    assertEquals(JobState.SUCCEEDED, next.awaitClosed().state());
    assertEquals(Map.of(0L, "0", 1L, "1", 2L, "4"), next.outcomes());
  }

  /**
   * A worker that drains leaves once every chunk it started is answered; a chunk offered to it
   * before the coordinator heard of its drain reaches a stopped actor. That chunk runs elsewhere,
   * as if handed back: the departed worker is no longer watched for a lease timeout, so before this
   * the job waited forever (ClusterIT's drain case, on a loaded CI machine).
   */
  @Test
  void aChunkThatCrossedAWorkersLeavingRunsOnAnotherWorker() throws Exception {
    ActorRef<CoordinatorProtocol.Command> coordinator = coordinator(64);
    RecordingSink sink = new RecordingSink();
    submit(coordinator, new JobRequest("square", "{}", 3, true, 0), new RangeSource(0, 3), sink);

    TestProbe<WorkerProtocol.Command> leaving = testKit.createTestProbe(WorkerProtocol.Command.class);
    coordinator.tell(new CoordinatorProtocol.WorkerDemand(leaving.ref(), 1, 0, 1, 0, 0, "leaving", false, functions.infos()));
    WorkerProtocol.ProcessChunk crossed = leaving.expectMessageClass(WorkerProtocol.ProcessChunk.class, WAIT);
    coordinator.tell(new CoordinatorProtocol.WorkerLeaving(leaving.ref()));

    TestProbe<WorkerProtocol.Command> other = testKit.createTestProbe(WorkerProtocol.Command.class);
    coordinator.tell(new CoordinatorProtocol.WorkerDemand(other.ref(), 1, 0, 1, 0, 0, "other", false, functions.infos()));
    WorkerProtocol.ProcessChunk again = other.expectMessageClass(WorkerProtocol.ProcessChunk.class, WAIT);
    assertEquals(crossed.task().firstIndex(), again.task().firstIndex());
    assertTrue(again.task().leaseId() != crossed.task().leaseId(), "a new lease: a late answer to the old one is ignored");
    again.replyTo().tell(new JobProtocol.ChunkProcessed(again.task().leaseId(),
        new ChunkResults(new long[] {0, 1, 4}, null, List.of()), 1000, other.ref()));
    assertEquals(JobState.SUCCEEDED, sink.awaitClosed().state());
    assertEquals(Map.of(0L, "0", 1L, "1", 2L, "4"), sink.outcomes());
  }

  /**
   * An in-memory source is read on the job's own thread, so one that throws instead of failing its
   * stage makes the job actor throw, here in the middle of the first offer, after handing out two
   * chunks. Only that job may suffer: before the coordinator watched its jobs, the offer stayed in
   * flight forever and no job, this one's sink included, ever heard anything again.
   */
  @Test
  void aJobWhoseActorThrowsEndsFailedWithTheReasonAndEveryOtherJobGoesOn() throws Exception {
    ActorRef<CoordinatorProtocol.Command> coordinator = coordinator(64);
    RecordingSink brokenSink = new RecordingSink();
    BreakingSource brokenSource = new BreakingSource(40, 3);
    String brokenId = submit(coordinator, new JobRequest("square", "{}", 2, true, 0), brokenSource, brokenSink);
    RecordingSink otherSink = new RecordingSink();
    submit(coordinator, new JobRequest("square", "{}", 3, true, 0), new RangeSource(0, 30), otherSink);
    // the workers join once both jobs are queued, so the first offer goes to the job that breaks in it
    workers(coordinator, 2, 1);

    JobStatus broken = brokenSink.awaitClosed();
    assertEquals(JobState.FAILED, broken.state());
    assertEquals("the job failed in the coordinator: IllegalStateException: the source broke on read 3",
        broken.message());
    assertTrue(brokenSource.closed, "the broken job's source was not closed");
    TestProbe<Optional<JobStatus>> status = testKit.createTestProbe();
    status.awaitAssert(WAIT, () -> {
      coordinator.tell(new Coordinator.GetJob(brokenId, status.ref()));
      JobStatus s = status.receiveMessage().orElseThrow();
      assertEquals(JobState.FAILED, s.state());
      assertEquals(broken.message(), s.message());
      return null;
    });

    assertEquals(JobState.SUCCEEDED, otherSink.awaitClosed().state());
    assertEquals(squares(0, 30), otherSink.outcomes());

    // the credits of the broken job's offer came back: the workers hold nothing and take the next job
    TestProbe<ClusterView> cluster = testKit.createTestProbe();
    cluster.awaitAssert(WAIT, () -> {
      coordinator.tell(new Coordinator.GetCluster(cluster.ref()));
      List<ClusterView.WorkerView> ws = cluster.receiveMessage().workers();
      assertEquals(2, ws.size());
      ws.forEach(w -> assertEquals(0, w.held(), w.toString()));
      return null;
    });
    RecordingSink nextSink = new RecordingSink();
    submit(coordinator, new JobRequest("square", "{}", 1, true, 0), new RangeSource(0, 10), nextSink);
    assertEquals(JobState.SUCCEEDED, nextSink.awaitClosed().state());
    assertEquals(squares(0, 10), nextSink.outcomes());
  }

  /**
   * A bug in the coordinator (here a source whose size cannot be read, which no source of Shoal's
   * does; a null request is refused before it is sent) makes it throw. It restarts: the running job's state
   * died with the old instance, so that job ends FAILED at its sink (no client waits forever), and
   * the workers, which keep stating their demand, run the next job.
   */
  @Test
  void theCoordinatorRestartsAfterAnExceptionEndingItsRunningJobsAndWorksOn() throws Exception {
    ActorRef<CoordinatorProtocol.Command> coordinator = coordinator(64);
    workers(coordinator, 2, 0);
    Gate.State gate = Gate.create("coordinator-restart");
    RecordingSink runningSink = new RecordingSink();
    String runningId = submit(coordinator, new JobRequest("gate", "{\"gate\":\"coordinator-restart\"}", 1, true, 0),
        new RangeSource(0, 4), runningSink);
    gate.awaitStarted();

    TestProbe<Coordinator.SubmitReply> reply = testKit.createTestProbe(Coordinator.SubmitReply.class);
    ItemSource broken = new ItemSource() {
      @Override
      public long total() {
        throw new IllegalStateException("a source that cannot tell its size");
      }

      @Override
      public CompletionStage<ItemBatch> next(int max) {
        throw new IllegalStateException("never read: the job is not created");
      }
    };
    coordinator.tell(new Coordinator.SubmitJob(JobRequest.of("square"), broken, id -> new RecordingSink(), reply.ref()));

    JobStatus lost = runningSink.awaitClosed();
    assertEquals(runningId, lost.id());
    assertEquals(JobState.FAILED, lost.state());
    assertEquals("the coordinator restarted after an internal error; the job was lost", lost.message());
    // the lost job's chunks were cancelled on the workers: both are free without opening the gate
    TestProbe<ClusterView> cluster = testKit.createTestProbe();
    cluster.awaitAssert(WAIT, () -> {
      coordinator.tell(new Coordinator.GetCluster(cluster.ref()));
      List<ClusterView.WorkerView> ws = cluster.receiveMessage().workers();
      assertEquals(2, ws.size());
      ws.forEach(w -> assertEquals(0, w.busy(), w.toString()));
      return null;
    });
    RecordingSink nextSink = new RecordingSink();
    submit(coordinator, new JobRequest("square", "{}", 2, true, 0), new RangeSource(0, 20), nextSink);
    assertEquals(JobState.SUCCEEDED, nextSink.awaitClosed().state());
    assertEquals(squares(0, 20), nextSink.outcomes());
    gate.open();
  }

  /** A job waiting for its sink to close takes no work: an offer reaching it comes straight back for the next job. */
  @Test
  void aJobClosingItsSinkHandsItsOfferBackSoTheNextJobRuns() throws Exception {
    ActorRef<CoordinatorProtocol.Command> coordinator = coordinator(64);
    CountDownLatch closeMayReturn = new CountDownLatch(1);
    RecordingSink closingSink = new RecordingSink() {
      @Override
      public void close(JobStatus status) {
        await(closeMayReturn);
        super.close(status);
      }
    };
    // an empty job ends at once and then waits for its sink; it is still first in line when a worker comes
    submit(coordinator, JobRequest.of("square"), new RangeSource(0, 0), closingSink);
    RecordingSink nextSink = new RecordingSink();
    submit(coordinator, new JobRequest("square", "{}", 1, true, 0), new RangeSource(0, 3), nextSink);
    workers(coordinator, 1, 0);

    assertEquals(JobState.SUCCEEDED, nextSink.awaitClosed().state());
    assertEquals(squares(0, 3), nextSink.outcomes());
    assertTrue(!closingSink.isClosed());
    closeMayReturn.countDown();
    assertEquals(JobState.SUCCEEDED, closingSink.awaitClosed().state());
  }

  @Test
  void aJobForAnUnknownFunctionIsRejected() {
    ActorRef<CoordinatorProtocol.Command> coordinator = coordinator(64);
    TestProbe<Coordinator.SubmitReply> reply = testKit.createTestProbe(Coordinator.SubmitReply.class);
    coordinator.tell(new Coordinator.SubmitJob(JobRequest.of("nope"), new RangeSource(0, 3), id -> new RecordingSink(), reply.ref()));
    Coordinator.JobRejected r = assertInstanceOf(Coordinator.JobRejected.class, reply.receiveMessage(WAIT));
    assertTrue(r.reason().startsWith("unknown function 'nope'; known: "), r.reason());
    assertTrue(r.reason().contains("square"), r.reason());
  }

  private ActorRef<CoordinatorProtocol.Command> coordinator(int window) {
    CoordinatorSettings settings = new CoordinatorSettings(10_000, 1_000, 64, Duration.ofMillis(100),
        Duration.ofMillis(1), window, Duration.ofSeconds(4), 3, 100, Duration.ofMillis(200), Duration.ofMillis(250));
    ActorRef<CoordinatorProtocol.Command> c = testKit.spawn(Coordinator.create(functions, settings));
    spawned.add(c);
    return c;
  }

  private void workers(ActorRef<CoordinatorProtocol.Command> coordinator, int n, int prefetch) {
    WorkerSettings settings = new WorkerSettings(1, prefetch, Duration.ofMillis(200));
    for (int i = 0; i < n; i++) {
      spawned.add(testKit.spawn(Worker.create(coordinator, settings, functions, executors, "local")));
    }
  }

  private String submit(ActorRef<CoordinatorProtocol.Command> coordinator, JobRequest request, ItemSource source,
      RecordingSink sink) {
    TestProbe<Coordinator.SubmitReply> reply = testKit.createTestProbe(Coordinator.SubmitReply.class);
    coordinator.tell(new Coordinator.SubmitJob(request, source, id -> sink, reply.ref()));
    return assertInstanceOf(Coordinator.JobAccepted.class, reply.receiveMessage(WAIT)).id();
  }

  private void awaitDone(ActorRef<CoordinatorProtocol.Command> coordinator, String id, long done) {
    TestProbe<Optional<JobStatus>> status = testKit.createTestProbe();
    status.awaitAssert(WAIT, () -> {
      coordinator.tell(new Coordinator.GetJob(id, status.ref()));
      assertEquals(done, status.receiveMessage().orElseThrow().done());
      return null;
    });
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(60, TimeUnit.SECONDS)) {
        throw new AssertionError("gave up waiting after 60 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** The outcome of a job whose every item {@code i} of {@code 0..n-1} returned {@code i}. */
  private static Map<Long, String> identity(int n) {
    return LongStream.range(0, n).boxed().collect(Collectors.toMap(i -> i, String::valueOf, (x, y) -> x,
        java.util.TreeMap::new));
  }

  private static Map<Long, String> squares(long from, long to) {
    return LongStream.range(from, to).boxed().collect(Collectors.toMap(i -> i, i -> Long.toString(i * i),
        (x, y) -> x, java.util.TreeMap::new));
  }

  /** The integers {@code 0..total-1}, read in memory; read number {@code breakAt} throws on the reader's thread. */
  static final class BreakingSource implements ItemSource {
    private final RangeSource range;
    private final int breakAt;
    private int reads;
    volatile boolean closed;

    BreakingSource(long total, int breakAt) {
      this.range = new RangeSource(0, total);
      this.breakAt = breakAt;
    }

    @Override
    public long total() {
      return range.total();
    }

    @Override
    public java.util.concurrent.CompletionStage<ItemBatch> next(int max) {
      if (++reads == breakAt) {
        throw new IllegalStateException("the source broke on read " + reads);
      }
      return range.next(max);
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  /** Test function {@code record}: notes "tag:item" in run order, returns the item. */
  static final class Record implements ShoalFunction {
    @Override
    public String name() {
      return "record";
    }

    @Override
    public FunctionKind kind() {
      return FunctionKind.CPU;
    }

    @Override
    public JsonNode apply(JsonNode item, JsonNode args) {
      recorded.add(args.path("tag").asText() + ":" + item);
      return item;
    }
  }
}
