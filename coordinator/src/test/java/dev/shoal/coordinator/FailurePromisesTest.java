package dev.shoal.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shoal.coordinator.job.ItemSource;
import dev.shoal.api.JobRequest;
import dev.shoal.api.JobState;
import dev.shoal.api.JobStatus;
import dev.shoal.coordinator.job.RangeSource;
import dev.shoal.api.ChunkResults;
import dev.shoal.protocol.CoordinatorProtocol;
import dev.shoal.protocol.FunctionRegistry;
import dev.shoal.protocol.ItemBatch;
import dev.shoal.protocol.JobProtocol;
import dev.shoal.protocol.WorkerProtocol;
import dev.shoal.worker.Gate;
import dev.shoal.worker.Worker;
import dev.shoal.worker.WorkerExecutors;
import dev.shoal.worker.WorkerSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The README's failure promises that one JVM can prove, on the coordinator and its job actors:
 * poison isolation with several multi-slot workers, the interrupt of running items on cancel, and
 * a lazy source read only as the job's window allows. Each test has its own coordinator.
 */
class FailurePromisesTest {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final ActorTestKit testKit = ActorTestKit.create("failure-promises-test");
  private static final FunctionRegistry functions = FunctionRegistry.load(null, true).with(new Gate());

  private final List<ActorRef<?>> spawned = new ArrayList<>();
  private WorkerExecutors executors;

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @AfterEach
  void tearDown() {
    spawned.forEach(testKit::stop);
    spawned.clear();
    if (executors != null) {
      executors.close();
    }
  }

  /**
   * Three workers of two slots each, so the worker that first dies of the poison item also holds
   * innocent chunks, and a suspect chunk could share a worker with others if the coordinator did
   * not empty one for it; 250 chunks of 30 ms keep every worker busy while the suspect waits for an
   * emptied one. Poison item 13 in chunk [8, 16): the whole chunk dies once among others,
   * then twice alone (three deaths), then each half holding the item dies alone once before it is
   * halved again, until item 13 alone dies for the third time and fails as WorkerLost.
   */
  @Test
  void aPoisonChunkRunsAloneOnAnEmptiedWorkerAndIsHalvedUntilItsItemFailsAlone() throws Exception {
    ActorRef<CoordinatorProtocol.Command> coordinator = coordinator(64);
    List<ItemBatch> handedOut = Collections.synchronizedList(new ArrayList<>());
    List<List<ItemBatch>> deaths = Collections.synchronizedList(new ArrayList<>());
    spawned.add(testKit.spawn(SlottedMortalWorkers.create(coordinator, functions.infos(), 3, 2, 13,
        Duration.ofMillis(30), handedOut, deaths)));
    RecordingSink sink = new RecordingSink();
    submit(coordinator, new JobRequest("echo", "{}", 8, true, 0), new RangeSource(0, 2000), sink);

    JobStatus s = sink.awaitClosed();
    assertEquals(JobState.COMPLETED_WITH_ERRORS, s.state());
    assertEquals(1, s.errors());
    Map<Long, String> expected = identity(2000);
    expected.put(13L, "!WorkerLost: the worker running this item died 3 times");
    assertEquals(expected, sink.outcomes());

    List<ItemBatch> poisoned;
    synchronized (handedOut) {
      poisoned = handedOut.stream().filter(b -> 13 >= b.rangeStart() && 13 < b.rangeStart() + b.count()).toList();
    }
    assertEquals(List.of(ItemBatch.range(8, 8), ItemBatch.range(8, 8), ItemBatch.range(8, 8), ItemBatch.range(12, 4),
        ItemBatch.range(12, 2), ItemBatch.range(13, 1)), poisoned);
    List<List<ItemBatch>> died;
    synchronized (deaths) {
      died = List.copyOf(deaths);
    }
    assertEquals(poisoned.size(), died.size(), died.toString());
    // after the first death, the suspect never shares its worker: nothing else was held, or sent, before it died
    for (int i = 1; i < died.size(); i++) {
      assertEquals(List.of(poisoned.get(i)), died.get(i), "death " + (i + 1) + " of " + died);
    }
  }

  /** The items are running (at the gate) when the job is cancelled: cancelling must interrupt them. */
  @Test
  void cancellingAJobInterruptsItsRunningItems() throws Exception {
    ActorRef<CoordinatorProtocol.Command> coordinator = coordinator(64);
    executors = new WorkerExecutors(2, 64);
    for (int i = 0; i < 2; i++) {
      spawned.add(testKit.spawn(Worker.create(coordinator, new WorkerSettings(1, 1, Duration.ofMillis(200)), functions,
          executors, "local")));
    }
    Gate.State gate = Gate.create("cancel-running");
    RecordingSink sink = new RecordingSink();
    String id = submit(coordinator, new JobRequest("gate", "{\"gate\":\"cancel-running\"}", 1, true, 0),
        new RangeSource(0, 8), sink);
    TestProbe<Optional<JobStatus>> replies = testKit.createTestProbe();
    replies.awaitAssert(WAIT, () -> {
      assertEquals(2, gate.started(), "one item running in each worker's slot");
      return null;
    });

    coordinator.tell(new Coordinator.CancelJob(id, replies.ref()));
    assertEquals(JobState.CANCELLED, replies.receiveMessage(WAIT).orElseThrow().state());
    assertEquals(JobState.CANCELLED, sink.awaitClosed().state());
    gate.awaitInterrupted();
    replies.awaitAssert(WAIT, () -> {
      assertEquals(2, gate.interrupted(), "both running items interrupted");
      return null;
    });
    assertEquals(2, gate.started(), "no queued item started after the cancel");
    assertEquals(List.of(), sink.writes(), "a cancelled job writes no result of its interrupted items");
  }

  /**
   * A source of ten million items, counting what it is asked for, and one worker that would take
   * every chunk and answers none until the test says so: the job reads only what its window of 8
   * chunks (plus the one chunk a job cuts ahead) holds, and reads on only as chunks come back.
   */
  @Test
  void aLazySourceIsReadOnlyAsTheWindowAllows() throws Exception {
    int window = 8;
    int chunk = 10;
    ActorRef<CoordinatorProtocol.Command> coordinator = coordinator(window);
    TestProbe<WorkerProtocol.Command> worker = testKit.createTestProbe(WorkerProtocol.Command.class);
    coordinator.tell(new CoordinatorProtocol.WorkerDemand(worker.ref(), 1000, 0, 1000, 0, 0, "probe", false,
        functions.infos()));
    CountingSource source = new CountingSource(10_000_000);
    RecordingSink sink = new RecordingSink();
    submit(coordinator, new JobRequest("echo", "{}", chunk, true, 0), source, sink);

    List<WorkerProtocol.ProcessChunk> first = SentChunks.receive(worker, window, WAIT);
    worker.expectNoMessage(Duration.ofMillis(500));
    assertTrue(source.read() <= (long) (window + 1) * chunk, "read " + source.read() + " items for a window of " + window);

    // each chunk answered lets exactly one more be read and handed out
    for (int i = 0; i < 3; i++) {
      WorkerProtocol.ProcessChunk c = first.get(i);
      answer(c, worker.ref());
      WorkerProtocol.ProcessChunk next = SentChunks.receive(worker, 1, WAIT).get(0);
      assertEquals((long) (window + i) * chunk, next.task().items().rangeStart());
      worker.expectNoMessage(Duration.ofMillis(200));
      assertTrue(source.read() <= (long) (window + i + 2) * chunk, "read " + source.read() + " items");
    }
    assertEquals(3L * chunk, sink.indexes().size(), "the answered chunks were written");
  }

  /**
   * The window bounds memory, which items take, not chunks: a job of one-item chunks holds as many
   * as {@code window-items} items fill (40 here), one of ten-item chunks holds its 8 chunks, never
   * fewer. Either reads on, one chunk per answer, once full.
   */
  @Test
  void aWindowOfSmallChunksHoldsAsManyAsItsItemsAllow() throws Exception {
    for (int[] c : new int[][] {{1, 40}, {10, 8}}) {
      int chunk = c[0];
      int expected = c[1];
      ActorRef<CoordinatorProtocol.Command> coordinator = coordinator(8, 40);
      TestProbe<WorkerProtocol.Command> worker = testKit.createTestProbe(WorkerProtocol.Command.class);
      coordinator.tell(new CoordinatorProtocol.WorkerDemand(worker.ref(), 1000, 0, 1000, 0, 0, "probe", false,
          functions.infos()));
      CountingSource source = new CountingSource(10_000_000);
      submit(coordinator, new JobRequest("echo", "{}", chunk, true, 0), source, new RecordingSink());

      List<WorkerProtocol.ProcessChunk> first = SentChunks.receive(worker, expected, WAIT);
      worker.expectNoMessage(Duration.ofMillis(300));
      answer(first.get(0), worker.ref());
      assertEquals((long) expected * chunk, SentChunks.receive(worker, 1, WAIT).get(0).task().items().rangeStart(),
          "chunks of " + chunk);
    }
  }

  private static void answer(WorkerProtocol.ProcessChunk c, ActorRef<WorkerProtocol.Command> worker) {
    ItemBatch items = c.task().items();
    long[] echo = LongStream.range(items.rangeStart(), items.rangeStart() + items.count()).toArray();
    c.replyTo().tell(new JobProtocol.ChunkProcessed(c.task().leaseId(), new ChunkResults(echo, null, List.of()), 1000,
        worker));
  }

  /** The integers 0.. up to {@code end}, of unknown length to the job, counting the items handed over. */
  private static final class CountingSource implements ItemSource {
    private final long end;
    private final AtomicLong next = new AtomicLong();

    CountingSource(long end) {
      this.end = end;
    }

    long read() {
      return next.get();
    }

    @Override
    public long total() {
      return -1;
    }

    @Override
    public CompletionStage<ItemBatch> next(int max) {
      long from = next.get();
      int n = (int) Math.min(max, end - from);
      next.addAndGet(n);
      return CompletableFuture.completedFuture(ItemBatch.range(from, n));
    }
  }

  private ActorRef<CoordinatorProtocol.Command> coordinator(int window) {
    return coordinator(window, 0);
  }

  private ActorRef<CoordinatorProtocol.Command> coordinator(int window, int windowItems) {
    CoordinatorSettings settings = new CoordinatorSettings(10_000, 1_000, 64, Duration.ofMillis(100),
        Duration.ofMillis(1), window, Duration.ofSeconds(4), 3, 100, Duration.ofMillis(200), Duration.ofMillis(250))
        .withWindowItems(windowItems);
    ActorRef<CoordinatorProtocol.Command> c = testKit.spawn(Coordinator.create(functions, settings));
    spawned.add(c);
    return c;
  }

  private String submit(ActorRef<CoordinatorProtocol.Command> coordinator, JobRequest request, ItemSource source,
      RecordingSink sink) {
    TestProbe<Coordinator.SubmitReply> reply = testKit.createTestProbe(Coordinator.SubmitReply.class);
    coordinator.tell(new Coordinator.SubmitJob(request, source, id -> sink, reply.ref()));
    return assertInstanceOf(Coordinator.JobAccepted.class, reply.receiveMessage(WAIT)).id();
  }

  private static Map<Long, String> identity(int n) {
    return LongStream.range(0, n).boxed().collect(Collectors.toMap(i -> i, String::valueOf, (x, y) -> x, TreeMap::new));
  }
}
