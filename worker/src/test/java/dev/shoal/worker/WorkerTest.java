package dev.shoal.worker;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.api.ChunkResults;
import dev.shoal.protocol.ChunkTask;
import dev.shoal.protocol.CoordinatorProtocol;
import dev.shoal.protocol.CoordinatorProtocol.WorkerDemand;
import dev.shoal.api.FunctionInfo;
import dev.shoal.api.FunctionKind;
import dev.shoal.protocol.FunctionRegistry;
import dev.shoal.protocol.ItemBatch;
import dev.shoal.api.ItemError;
import dev.shoal.protocol.JobProtocol;
import dev.shoal.api.LongShoalFunction;
import dev.shoal.protocol.JobProtocol.ChunkProcessed;
import dev.shoal.protocol.JobProtocol.ChunkReturned;
import dev.shoal.protocol.WorkerProtocol;
import dev.shoal.protocol.WorkerProtocol.ProcessChunk;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The worker actor on its own: a probe stands in for the coordinator and one for the job. The
 * heartbeat is an hour, so every demand a probe sees was caused by the test.
 */
class WorkerTest {

  static final String SHA_0 = "dccdcee423b05b98e87ace0c0f756e2ffe7b8ce7875fdda8b0af308ed619e5fe";
  static final String SHA_7 = "0a05c931d7ce3d20874c2eb8c32b3c86807a59dcc88915c6e9c62af19e2fc1cd";
  private static final Duration WAIT = Duration.ofSeconds(30);

  private static final ActorTestKit testKit = ActorTestKit.create("worker-test");
  private static final FunctionRegistry functions =
      FunctionRegistry.load(null, true).with(new Gate()).with(new Gate(FunctionKind.IO)).with(new LongGate());

  private WorkerExecutors executors;
  private TestProbe<CoordinatorProtocol.Command> coordinator;
  private TestProbe<JobProtocol.Command> job;
  private long nextLease = 1;

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void setUp() {
    executors = new WorkerExecutors(2, 512);
    coordinator = testKit.createTestProbe(CoordinatorProtocol.Command.class);
    job = testKit.createTestProbe(JobProtocol.Command.class);
  }

  @AfterEach
  void tearDown() {
    executors.close();
  }

  @Test
  void statesDemandForItsSlotsPlusPrefetchOnStart() {
    ActorRef<WorkerProtocol.Command> worker = spawn(2, 3);
    WorkerDemand d = coordinator.expectMessageClass(WorkerDemand.class, WAIT);
    assertEquals(worker, d.worker());
    assertEquals(5, d.wanted());
    assertEquals(0, d.received());
    assertEquals(2, d.slots());
    assertEquals(0, d.busy());
    assertEquals("test-node", d.node());
    assertFalse(d.draining());
    Set<String> names = d.functions().stream().map(FunctionInfo::name).collect(Collectors.toSet());
    assertTrue(names.containsAll(Set.of("sleep", "square", "sha256", "echo", "fail", "hang", "halt")), names.toString());
  }

  @Test
  void runsASquareChunkAndRestatesItsDemand() {
    ActorRef<WorkerProtocol.Command> worker = started(1, 2);
    ProcessChunk c = chunk("j", "square", "{}", 0, ItemBatch.range(0, 10));
    worker.tell(c);
    ChunkProcessed p = job.expectMessageClass(ChunkProcessed.class, WAIT);
    assertEquals(c.task().leaseId(), p.leaseId());
    assertEquals(worker, p.worker());
    assertArrayEquals(LongStream.range(0, 10).map(x -> x * x).toArray(), p.results().longs());
    assertEquals(List.of(), p.results().errors());
    WorkerDemand d = coordinator.expectMessageClass(WorkerDemand.class, WAIT);
    assertEquals(1, d.received());
    assertEquals(3, d.wanted());
  }

  @Test
  void chunksThatRunInMicrosecondsMakeItAskForMoreThanItsMinimumPrefetch() {
    // an hour to cover: however slow a loaded machine runs the first chunk, it is short next to that
    WorkerSettings settings = new WorkerSettings(1, 2, Duration.ofHours(1), 10_000, 64, Duration.ofHours(1));
    ActorRef<WorkerProtocol.Command> worker = testKit.spawn(Worker.create(coordinator.ref(), settings, functions, executors, "n"));
    assertEquals(3, coordinator.expectMessageClass(WorkerDemand.class, WAIT).wanted(), "no chunk timed yet: slots + prefetch");
    worker.tell(chunk("j", "square", "{}", 0, ItemBatch.range(0, 1)));
    job.expectMessageClass(ChunkProcessed.class, WAIT);
    WorkerDemand d = coordinator.expectMessageClass(WorkerDemand.class, WAIT);
    assertEquals(65, d.wanted(), "a 1-item square takes far less than the hour to cover: slots + max-prefetch");
  }

  @Test
  void aChunkOverMaxChunkItemsIsRefusedAtOnceAndTheWorkerGoesOn() {
    ActorRef<WorkerProtocol.Command> worker = started(1, 2);
    // the chunk POST /jobs {"range": {"start": 0, "end": 2^63-1}, "chunkSize": 2^31-1} once made: a
    // JsonNode[2^31-1] was "Requested array size exceeds VM limit", and the JVM exited
    for (int claimed : new int[] {Integer.MAX_VALUE, 10_001, -1}) {
      ProcessChunk huge = chunk("j", "echo", "{}", 0, ItemBatch.range(0, claimed));
      worker.tell(huge);
      JobProtocol.ChunkRefused refused = job.expectMessageClass(JobProtocol.ChunkRefused.class, WAIT);
      assertEquals(huge.task().leaseId(), refused.leaseId());
      assertEquals("a chunk of " + claimed + " items exceeds shoal.worker.max-chunk-items (10000) on worker test-node",
          refused.reason());
      WorkerDemand d = coordinator.expectMessageClass(WorkerDemand.class, WAIT);
      assertEquals(0, d.busy(), "a refused chunk takes no slot");
      assertEquals(3, d.wanted());
    }
    ProcessChunk atTheLimit = chunk("j", "square", "{}", 0, ItemBatch.range(0, 10_000));
    worker.tell(atTheLimit);
    ChunkProcessed p = job.expectMessageClass(ChunkProcessed.class, WAIT);
    assertEquals(10_000, p.results().size());
    assertEquals(9_999L * 9_999L, p.results().longs()[9_999]);
  }

  @Test
  void aJsonChunkIsSizedFromTheItemsItHoldsNotFromTheCountItClaims() {
    ActorRef<WorkerProtocol.Command> worker = started(1, 2);
    for (String function : List.of("echo", "sleep")) {
      worker.tell(chunk("j", function, "{}", 0, new ItemBatch(0, Integer.MAX_VALUE, List.of("3", "4"))));
      ChunkProcessed p = job.expectMessageClass(ChunkProcessed.class, WAIT);
      assertEquals(2, p.results().size(), function);
      assertEquals(List.of(), p.results().errors(), function);
    }
  }

  @Test
  void sha256OfJsonItemsEqualsTheAnchorValues() {
    ActorRef<WorkerProtocol.Command> worker = started(1, 2);
    worker.tell(chunk("j", "sha256", "{}", 0, ItemBatch.json(List.of("0", "7", "\"7\""))));
    ChunkResults r = job.expectMessageClass(ChunkProcessed.class, WAIT).results();
    assertNull(r.longs());
    assertEquals(List.of(quoted(SHA_0), quoted(SHA_7), quoted(SHA_7)), r.json());

    worker.tell(chunk("j", "sha256", "{\"rounds\":1}", 0, ItemBatch.json(List.of("\"abc\""))));
    assertEquals(List.of(quoted("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")),
        job.expectMessageClass(ChunkProcessed.class, WAIT).results().json());
  }

  @Test
  void aFailingItemBecomesItsOwnErrorAndTheOthersComplete() {
    ActorRef<WorkerProtocol.Command> worker = started(1, 2);
    worker.tell(chunk("j", "fail", "{\"items\":[2,4]}", 0, ItemBatch.range(0, 6)));
    ChunkResults r = job.expectMessageClass(ChunkProcessed.class, WAIT).results();
    assertArrayEquals(new long[] {0, 1, 0, 3, 0, 5}, r.longs());
    assertEquals(List.of(
        new ItemError(2, "RequestedFailure", "fail was asked to fail item 2"),
        new ItemError(4, "RequestedFailure", "fail was asked to fail item 4")), r.errors());

    worker.tell(chunk("j", "square", "{}", 0, ItemBatch.json(List.of("3", "\"x\"", "{not json", "3037000500"))));
    r = job.expectMessageClass(ChunkProcessed.class, WAIT).results();
    assertArrayEquals(new long[] {9, 0, 0, 0}, r.longs());
    assertEquals(3, r.errors().size());
    assertEquals(new ItemError(1, "IllegalArgumentException", "square needs a 64-bit integer, got \"x\""), r.errors().get(0));
    assertEquals(2, r.errors().get(1).offset());
    assertEquals("InvalidItem", r.errors().get(1).type());
    assertTrue(r.errors().get(1).message().startsWith("item is not valid JSON"), r.errors().get(1).message());
    assertEquals(new ItemError(3, "ArithmeticException", "long overflow"), r.errors().get(2));
  }

  @Test
  void theIntegerFastPathOverARangeFailsOnlyTheItemsThatOverflow() {
    ActorRef<WorkerProtocol.Command> worker = started(1, 2);
    worker.tell(chunk("j", "square", "{}", 0, ItemBatch.range(3_037_000_498L, 4)));
    ChunkResults r = job.expectMessageClass(ChunkProcessed.class, WAIT).results();
    assertArrayEquals(new long[] {3_037_000_498L * 3_037_000_498L, 9_223_372_030_926_249_001L, 0, 0}, r.longs());
    assertEquals(List.of(new ItemError(2, "ArithmeticException", "long overflow"),
        new ItemError(3, "ArithmeticException", "long overflow")), r.errors());

    worker.tell(chunk("j", "square", "{}", 0, ItemBatch.range(-3, 3)));
    assertArrayEquals(new long[] {9, 4, 1}, job.expectMessageClass(ChunkProcessed.class, WAIT).results().longs());
  }

  @Test
  void cancelStopsAnIntegerFastPathChunk() throws InterruptedException {
    ActorRef<WorkerProtocol.Command> worker = started(1, 2);
    Gate.State gate = Gate.create("fast-cancel");
    ProcessChunk c = chunk("j", "long-gate", "{\"gate\":\"fast-cancel\",\"items\":[0]}", 0, ItemBatch.range(0, 3));
    worker.tell(c);
    gate.awaitStarted();
    worker.tell(new WorkerProtocol.CancelJob("j"));
    ChunkProcessed p = job.expectMessageClass(ChunkProcessed.class, WAIT);
    gate.awaitInterrupted();
    assertEquals(c.task().leaseId(), p.leaseId());
    assertEquals(List.of(new ItemError(0, "Cancelled", "the job was cancelled"),
        new ItemError(1, "Cancelled", "the job was cancelled"),
        new ItemError(2, "Cancelled", "the job was cancelled")), p.results().errors());
  }

  @Test
  void anIntegerFunctionWithATimeLimitIsTimedPerItem() {
    Gate.create("fast-timeout");
    assertOnlyItemTimesOut("long-gate", "{\"gate\":\"fast-timeout\",\"items\":[1]}", 200, new long[] {0, 0, 2}, 1);
  }

  @Test
  void anUnknownFunctionOrArgsThatAreNoObjectFailEveryItem() {
    ActorRef<WorkerProtocol.Command> worker = started(1, 2);
    worker.tell(chunk("j", "nope", "{}", 0, ItemBatch.range(0, 2)));
    ChunkResults r = job.expectMessageClass(ChunkProcessed.class, WAIT).results();
    assertEquals(List.of("UnknownFunction", "UnknownFunction"), r.errors().stream().map(ItemError::type).toList());

    worker.tell(chunk("k", "square", "[1]", 0, ItemBatch.range(0, 2)));
    r = job.expectMessageClass(ChunkProcessed.class, WAIT).results();
    assertEquals(List.of("InvalidArgs", "InvalidArgs"), r.errors().stream().map(ItemError::type).toList());
  }

  @Test
  void aHangingIoItemTimesOutWhileTheOthersComplete() {
    assertOnlyItemTimesOut("hang", "{\"items\":[1]}", 300, new long[] {0, 0, 2}, 1);
  }

  @Test
  void aTimedOutCpuItemDoesNotLeakItsInterruptIntoTheNextItem() {
    Gate.create("never");
    // items run one after another on one thread: 1 and 2 sleep, which throws if an interrupt leaked
    assertOnlyItemTimesOut("gate", "{\"gate\":\"never\",\"items\":[0]}", 200, new long[] {0, 1, 2}, 0);
  }

  /** Runs the items {@code 0..values.length-1} under a time limit: {@code late} fails as Timeout, the rest give {@code values}. */
  private void assertOnlyItemTimesOut(String function, String args, long timeoutMs, long[] values, int late) {
    ActorRef<WorkerProtocol.Command> worker = started(1, 2);
    worker.tell(chunk("j", function, args, timeoutMs, ItemBatch.range(0, values.length)));
    ChunkResults r = job.expectMessageClass(ChunkProcessed.class, WAIT).results();
    assertArrayEquals(values, r.longs());
    assertEquals(List.of(new ItemError(late, "Timeout", "item took longer than timeoutMs=" + timeoutMs)), r.errors());
  }

  @Test
  void cancelInterruptsTheRunningItemAndDropsTheQueuedChunksOfThatJob() throws InterruptedException {
    ActorRef<WorkerProtocol.Command> worker = started(1, 2);
    Gate.State gate = Gate.create("cancel");
    ProcessChunk running = chunk("j", "gate", "{\"gate\":\"cancel\"}", 0, ItemBatch.range(0, 1));
    ProcessChunk queued = chunk("j", "gate", "{\"gate\":\"cancel\"}", 0, ItemBatch.range(1, 1));
    worker.tell(running);
    worker.tell(queued);
    gate.awaitStarted();

    worker.tell(new WorkerProtocol.CancelJob("j"));
    Map<Long, ChunkResults> byLease = receiveProcessed(2);
    gate.awaitInterrupted();
    assertEquals(List.of(new ItemError(0, "Cancelled", "the job was cancelled")),
        byLease.get(running.task().leaseId()).errors());
    assertEquals(List.of(new ItemError(0, "Cancelled", "the job was cancelled")),
        byLease.get(queued.task().leaseId()).errors());
    assertEquals(1, gate.started(), "the queued chunk must not have run");

    // the slot is free again
    worker.tell(chunk("other", "square", "{}", 0, ItemBatch.range(3, 1)));
    assertArrayEquals(new long[] {9}, job.expectMessageClass(ChunkProcessed.class, WAIT).results().longs());
  }

  @Test
  void cancellingAHangingJobInterruptsEveryItem() {
    ActorRef<WorkerProtocol.Command> worker = started(1, 2);
    ProcessChunk c = chunk("j", "hang", "{}", 0, ItemBatch.range(0, 4));
    worker.tell(c);
    worker.tell(new WorkerProtocol.CancelJob("j"));
    ChunkProcessed p = job.expectMessageClass(ChunkProcessed.class, WAIT);
    assertEquals(c.task().leaseId(), p.leaseId());
    assertEquals(4, p.results().errorCount());
    assertTrue(p.results().errors().stream().allMatch(e -> e.type().equals("Cancelled")), p.results().errors().toString());
  }

  @Test
  void drainHandsBackQueuedChunksFinishesTheRunningOneThenLeaves() throws InterruptedException {
    ActorRef<WorkerProtocol.Command> worker = started(1, 2);
    Gate.State gate = Gate.create("drain");
    ProcessChunk running = chunk("j", "gate", "{\"gate\":\"drain\"}", 0, ItemBatch.range(0, 1));
    ProcessChunk q1 = chunk("j", "square", "{}", 0, ItemBatch.range(1, 1));
    ProcessChunk q2 = chunk("k", "square", "{}", 0, ItemBatch.range(2, 1));
    worker.tell(running);
    worker.tell(q1);
    worker.tell(q2);
    gate.awaitStarted();

    TestProbe<Done> drained = testKit.createTestProbe(Done.class);
    worker.tell(new Worker.Drain(drained.ref()));
    assertEquals(new ChunkReturned(q1.task().leaseId(), worker), job.expectMessageClass(ChunkReturned.class, WAIT));
    assertEquals(new ChunkReturned(q2.task().leaseId(), worker), job.expectMessageClass(ChunkReturned.class, WAIT));
    WorkerDemand d = coordinator.expectMessageClass(WorkerDemand.class, WAIT);
    assertTrue(d.draining());
    assertEquals(0, d.wanted());
    // a chunk that crosses the drain on its way in goes straight back
    ProcessChunk late = chunk("j", "square", "{}", 0, ItemBatch.range(3, 1));
    worker.tell(late);
    assertEquals(new ChunkReturned(late.task().leaseId(), worker), job.expectMessageClass(ChunkReturned.class, WAIT));

    gate.open();
    ChunkProcessed p = job.expectMessageClass(ChunkProcessed.class, WAIT);
    assertEquals(running.task().leaseId(), p.leaseId());
    assertArrayEquals(new long[] {0}, p.results().longs());
    coordinator.expectMessage(WAIT, new CoordinatorProtocol.WorkerLeaving(worker));
    drained.expectMessage(WAIT, Done.getInstance());
    coordinator.expectTerminated(worker, WAIT);
  }

  /**
   * One slow item must not hold up the chunks queued behind it: once its slot has finished nothing
   * for {@code stall-patience}, the worker hands its queue back (another worker can run it) and asks
   * for no more than its free slots until a chunk finishes; then it prefetches again.
   */
  @Test
  void chunksQueuedBehindASlotThatFinishesNothingAreHandedBackAndThePrefetchWaitsForTheSlot()
      throws InterruptedException {
    WorkerSettings settings = new WorkerSettings(1, 2, Duration.ofMillis(50), 10_000, 2, Duration.ZERO,
        Duration.ofMillis(300));
    ActorRef<WorkerProtocol.Command> worker = testKit.spawn(Worker.create(coordinator.ref(), settings, functions, executors, "n"));
    Gate.State gate = Gate.create("stall");
    ProcessChunk slow = chunk("j", "gate", "{\"gate\":\"stall\"}", 0, ItemBatch.range(0, 1));
    ProcessChunk behind = chunk("k", "square", "{}", 0, ItemBatch.range(5, 1));
    worker.tell(slow);
    worker.tell(behind);
    gate.awaitStarted();

    assertEquals(new ChunkReturned(behind.task().leaseId(), worker), job.expectMessageClass(ChunkReturned.class, WAIT));
    WorkerDemand stalled = demandWhere(d -> d.held() == 1);
    assertEquals(0, stalled.wanted(), "its one slot is busy and it holds nothing beyond it");
    // what was on its way when it stalled goes back too
    ProcessChunk late = chunk("k", "square", "{}", 0, ItemBatch.range(6, 1));
    worker.tell(late);
    assertEquals(new ChunkReturned(late.task().leaseId(), worker), job.expectMessageClass(ChunkReturned.class, WAIT));

    gate.open();
    assertEquals(slow.task().leaseId(), job.expectMessageClass(ChunkProcessed.class, WAIT).leaseId());
    assertEquals(3, demandWhere(d -> d.held() == 0).wanted(), "a chunk ended: its slot and prefetch again");
  }

  /** The next demand that matches; earlier ones (heartbeats) are skipped. */
  private WorkerDemand demandWhere(java.util.function.Predicate<WorkerDemand> wanted) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      WorkerDemand d = coordinator.expectMessageClass(WorkerDemand.class, WAIT);
      if (wanted.test(d)) {
        return d;
      }
    }
    throw new AssertionError("no such demand within " + WAIT);
  }

  /**
   * A drain that outlives {@code drain-timeout} is abandoned: what still runs is interrupted and
   * handed back (never finished here, never reported), then the worker leaves.
   */
  @Test
  void anAbandonedDrainInterruptsWhatRunsHandsItBackAndLeaves() throws InterruptedException {
    ActorRef<WorkerProtocol.Command> worker = started(1, 0);
    Gate.State gate = Gate.create("abandon");
    ProcessChunk running = chunk("j", "gate", "{\"gate\":\"abandon\"}", 0, ItemBatch.range(0, 1));
    worker.tell(running);
    gate.awaitStarted();
    TestProbe<Done> drained = testKit.createTestProbe(Done.class);
    worker.tell(new Worker.Drain(drained.ref()));
    assertTrue(coordinator.expectMessageClass(WorkerDemand.class, WAIT).draining());

    TestProbe<Done> abandoned = testKit.createTestProbe(Done.class);
    worker.tell(new Worker.AbandonDrain(abandoned.ref()));
    assertEquals(new ChunkReturned(running.task().leaseId(), worker), job.expectMessageClass(ChunkReturned.class, WAIT));
    gate.awaitInterrupted();
    assertEquals(1, gate.interrupted());
    coordinator.expectMessage(WAIT, new CoordinatorProtocol.WorkerLeaving(worker));
    abandoned.expectMessage(WAIT, Done.getInstance());
    drained.expectMessage(WAIT, Done.getInstance());
    coordinator.expectTerminated(worker, WAIT);
    // the interrupted item's failure never reaches the job: it would have been a result for a chunk handed back
    job.expectNoMessage();
  }

  /** Lease ids are numbered per job: two jobs' chunks with the same one are two chunks to hold, run and wait for. */
  @Test
  void chunksOfTwoJobsWithTheSameLeaseIdAreHeldRunAndDrainedApart() throws InterruptedException {
    ActorRef<WorkerProtocol.Command> worker = started(2, 0);
    TestProbe<JobProtocol.Command> jobA = testKit.createTestProbe(JobProtocol.Command.class);
    TestProbe<JobProtocol.Command> jobB = testKit.createTestProbe(JobProtocol.Command.class);
    Gate.State gateA = Gate.create("same-lease-a");
    Gate.State gateB = Gate.create("same-lease-b");
    worker.tell(new ProcessChunk(new ChunkTask("a", 1, 0, "gate", "{\"gate\":\"same-lease-a\"}", 0,
        ItemBatch.range(0, 1)), jobA.ref()));
    worker.tell(new ProcessChunk(new ChunkTask("b", 1, 0, "gate", "{\"gate\":\"same-lease-b\"}", 0,
        ItemBatch.range(0, 1)), jobB.ref()));
    worker.tell(new ProcessChunk(new ChunkTask("c", 1, 0, "square", "{}", 0, ItemBatch.range(0, 1)), job.ref()));
    gateA.awaitStarted();
    gateB.awaitStarted();
    worker.tell(WorkerProtocol.Reregister.INSTANCE);
    WorkerDemand d = coordinator.expectMessageClass(WorkerDemand.class, WAIT);
    assertEquals(2, d.busy());
    assertEquals(3, d.held(), "the third chunk waits for a slot");

    TestProbe<Done> drained = testKit.createTestProbe(Done.class);
    worker.tell(new Worker.Drain(drained.ref()));
    assertEquals(new ChunkReturned(1, worker), job.expectMessageClass(ChunkReturned.class, WAIT));
    coordinator.expectMessageClass(WorkerDemand.class, WAIT);
    gateA.open();
    assertEquals(1, jobA.expectMessageClass(ChunkProcessed.class, WAIT).leaseId());
    // a's chunk is done, b's still runs: the worker must wait for it before it leaves
    gateB.open();
    assertEquals(1, jobB.expectMessageClass(ChunkProcessed.class, WAIT).leaseId());
    coordinator.expectMessage(WAIT, new CoordinatorProtocol.WorkerLeaving(worker));
    drained.expectMessage(WAIT, Done.getInstance());
  }

  /**
   * A message the worker cannot handle (a chunk without its task, which only a bug could send)
   * makes it throw. It restarts clean: what ran is cancelled, the coordinator is told (so it
   * re-sends those chunks), the new instance states a fresh demand and works, and no result from
   * before the restart is sent.
   */
  @Test
  void aWorkerThatThrowsRestartsCleanAndWorksOn() throws InterruptedException {
    ActorRef<WorkerProtocol.Command> worker = started(2, 0);
    Gate.State gate = Gate.create("restart");
    ProcessChunk before = chunk("j", "gate", "{\"gate\":\"restart\"}", 0, ItemBatch.range(0, 1));
    worker.tell(before);
    gate.awaitStarted();

    worker.tell(new ProcessChunk(null, job.ref()));
    coordinator.expectMessage(WAIT, new CoordinatorProtocol.WorkerRestarted(worker));
    WorkerDemand fresh = coordinator.expectMessageClass(WorkerDemand.class, WAIT);
    assertEquals(0, fresh.received());
    assertEquals(2, fresh.wanted());
    assertEquals(0, fresh.held());
    job.awaitAssert(WAIT, () -> {
      assertEquals(1, gate.interrupted(), "the chunk from before the restart still runs");
      return null;
    });

    ProcessChunk after = chunk("j", "square", "{}", 0, ItemBatch.range(3, 2));
    worker.tell(after);
    ChunkProcessed p = job.expectMessageClass(ChunkProcessed.class, WAIT);
    assertEquals(after.task().leaseId(), p.leaseId(), "a result from before the restart was sent");
    assertArrayEquals(new long[] {9, 16}, p.results().longs());
    assertEquals(1, coordinator.expectMessageClass(WorkerDemand.class, WAIT).received());
    // still listed for /cluster: a registration belongs to the actor, which a restart keeps
    TestProbe<Receptionist.Listing> listing = testKit.createTestProbe(Receptionist.Listing.class);
    listing.awaitAssert(WAIT, () -> {
      testKit.system().receptionist().tell(Receptionist.find(WorkerProtocol.WORKER_KEY, listing.ref()));
      assertTrue(listing.receiveMessage().getServiceInstances(WorkerProtocol.WORKER_KEY).contains(worker));
      return null;
    });
  }

  @Test
  void itAsksOnlyForWhatItCanHold() throws InterruptedException {
    ActorRef<WorkerProtocol.Command> worker = started(1, 1);
    Gate.State gate = Gate.create("hold");
    worker.tell(chunk("j", "gate", "{\"gate\":\"hold\"}", 0, ItemBatch.range(0, 1)));
    worker.tell(chunk("j", "square", "{}", 0, ItemBatch.range(1, 1)));
    gate.awaitStarted();
    // Reregister makes it restate its demand at once, as the heartbeat would
    worker.tell(WorkerProtocol.Reregister.INSTANCE);
    WorkerDemand d = coordinator.expectMessageClass(WorkerDemand.class, WAIT);
    assertEquals(0, d.wanted());
    assertEquals(2, d.received());
    assertEquals(1, d.busy());
    gate.open();
    receiveProcessed(2);
  }

  @Test
  void anIoChunkRunsItsItemsConcurrently() throws InterruptedException {
    ActorRef<WorkerProtocol.Command> worker = started(1, 2);
    Gate.State gate = Gate.create("io-all");
    worker.tell(chunk("j", "io-gate", "{\"gate\":\"io-all\"}", 0, ItemBatch.range(0, 50)));
    // one after another, the first item would hold the rest back: all 50 reach the gate only if they run at once
    job.awaitAssert(WAIT, () -> {
      assertEquals(50, gate.started());
      return null;
    });
    gate.open();
    ChunkProcessed p = job.expectMessageClass(ChunkProcessed.class, WAIT);
    assertArrayEquals(LongStream.range(0, 50).toArray(), p.results().longs());
  }

  @Test
  void aChunksComputeTimeCoversTheTimeItsItemsRan() {
    ActorRef<WorkerProtocol.Command> worker = started(1, 2);
    worker.tell(chunk("j", "sleep", "{\"ms\":100}", 0, ItemBatch.range(0, 1)));
    ChunkProcessed p = job.expectMessageClass(ChunkProcessed.class, WAIT);
    // the job sizes chunks on this figure: it must include the item's 100 ms, not only the overhead around it
    assertTrue(p.computeNanos() >= Duration.ofMillis(100).toNanos(), "measured " + p.computeNanos() + " ns");
  }

  @Test
  void chunksOfOneWorkerRunInParallelUpToItsSlots() throws InterruptedException {
    ActorRef<WorkerProtocol.Command> worker = started(2, 0);
    Gate.State gate = Gate.create("slots");
    worker.tell(chunk("j", "gate", "{\"gate\":\"slots\"}", 0, ItemBatch.range(0, 1)));
    worker.tell(chunk("j", "gate", "{\"gate\":\"slots\"}", 0, ItemBatch.range(1, 1)));
    job.awaitAssert(WAIT, () -> {
      assertEquals(2, gate.started());
      return null;
    });
    gate.open();
    receiveProcessed(2);
  }

  /**
   * One offer's chunks come in one message; each runs and is answered as if it had come alone, and
   * the demand that follows frees their credit without waiting for a heartbeat (an hour here).
   */
  @Test
  void chunksSentTogetherRunAsIfEachCameAloneAndTheirCreditComesBack() {
    ActorRef<WorkerProtocol.Command> worker = started(2, 0);
    List<ChunkTask> tasks = List.of(chunk("j", "square", "{}", 0, ItemBatch.range(0, 2)).task(),
        chunk("j", "square", "{}", 0, ItemBatch.range(2, 2)).task(),
        chunk("j", "square", "{}", 0, ItemBatch.range(4, 2)).task());
    worker.tell(new WorkerProtocol.ProcessChunks(tasks, job.ref()));
    Map<Long, ChunkResults> byLease = receiveProcessed(3);
    for (ChunkTask t : tasks) {
      long first = t.firstIndex();
      assertArrayEquals(new long[] {first * first, (first + 1) * (first + 1)}, byLease.get(t.leaseId()).longs());
    }
    coordinator.fishForMessage(WAIT, m -> m instanceof WorkerDemand d && d.received() == 3 && d.held() == 0
        ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore());
  }

  /**
   * Once it has asked for chunks, the demand its finished chunks owe waits until chunks come (or it
   * has nothing left to run), and then one demand says all that finished meanwhile: a worker of
   * microsecond chunks sends one demand per refill, not one per batch of results. The coordinator's
   * count only lags (it never hears of more room than there is) and is restated whole when the
   * chunks arrive.
   */
  @Test
  void whileTheChunksItAskedForAreOnTheirWayItsFinishedChunksDemandWaitsForThem() {
    // an hour to cover: every chunk here is short next to it, so the worker holds more than its minimum
    WorkerSettings settings = new WorkerSettings(3, 0, Duration.ofHours(1), 10_000, 64, Duration.ofHours(1));
    ActorRef<WorkerProtocol.Command> worker = testKit.spawn(Worker.create(coordinator.ref(), settings, functions,
        executors, "n"));
    coordinator.expectMessageClass(WorkerDemand.class, WAIT);
    Gate.State first = Gate.create("paced-1");
    Gate.State second = Gate.create("paced-2");
    Gate.State third = Gate.create("paced-3");
    List<ProcessChunk> gated = List.of(chunk("j", "gate", "{\"gate\":\"paced-1\"}", 0, ItemBatch.range(0, 1)),
        chunk("j", "gate", "{\"gate\":\"paced-2\"}", 0, ItemBatch.range(1, 1)),
        chunk("j", "gate", "{\"gate\":\"paced-3\"}", 0, ItemBatch.range(2, 1)));
    worker.tell(new WorkerProtocol.ProcessChunks(gated.stream().map(ProcessChunk::task).toList(), job.ref()));
    first.open();
    assertEquals(gated.get(0).task().leaseId(), job.expectMessageClass(ChunkProcessed.class, WAIT).leaseId());
    WorkerDemand asked = coordinator.expectMessageClass(WorkerDemand.class, WAIT);
    assertEquals(2, asked.held());
    assertTrue(asked.wanted() > 1, "short chunks: it asks for a queue of them: " + asked.wanted());

    second.open();
    assertEquals(gated.get(1).task().leaseId(), job.expectMessageClass(ChunkProcessed.class, WAIT).leaseId(),
        "results never wait for the demand");
    coordinator.expectNoMessage(Duration.ofMillis(300));

    worker.tell(chunk("j", "square", "{}", 0, ItemBatch.range(3, 1)));
    WorkerDemand restated = coordinator.expectMessageClass(WorkerDemand.class, WAIT);
    assertEquals(4, restated.received(), "the chunk that came is counted");
    assertTrue(restated.wanted() >= 1, "the slot the second chunk freed is stated when the refill comes: "
        + restated.wanted());
    job.expectMessageClass(ChunkProcessed.class, WAIT);
    third.open();
    coordinator.fishForMessage(WAIT, m -> m instanceof WorkerDemand d && d.held() == 0
        ? FishingOutcomes.complete() : FishingOutcomes.continueAndIgnore());
  }

  /** {@code long-gate}: {@link Gate} as an integer function, so range chunks take the workers' fast path. */
  static final class LongGate implements LongShoalFunction {
    @Override
    public String name() {
      return "long-gate";
    }

    @Override
    public FunctionKind kind() {
      return FunctionKind.CPU;
    }

    @Override
    public long applyAsLong(long item, JsonNode args) throws InterruptedException {
      if (Gate.selected(item, args)) {
        Gate.named(args).pass();
      } else {
        Thread.sleep(1);
      }
      return item;
    }
  }

  private ActorRef<WorkerProtocol.Command> spawn(int slots, int prefetch) {
    WorkerSettings settings = new WorkerSettings(slots, prefetch, Duration.ofHours(1));
    return testKit.spawn(Worker.create(coordinator.ref(), settings, functions, executors, "test-node"));
  }

  /** A worker whose first demand has been seen. */
  private ActorRef<WorkerProtocol.Command> started(int slots, int prefetch) {
    ActorRef<WorkerProtocol.Command> worker = spawn(slots, prefetch);
    coordinator.expectMessageClass(WorkerDemand.class, WAIT);
    return worker;
  }

  private ProcessChunk chunk(String jobId, String function, String args, long timeoutMs, ItemBatch items) {
    ChunkTask task = new ChunkTask(jobId, nextLease++, items.rangeStart(), function, args, timeoutMs, items);
    return new ProcessChunk(task, job.ref());
  }

  /** The results of {@code n} chunks, whether they came alone or together. */
  private Map<Long, ChunkResults> receiveProcessed(int n) {
    Map<Long, ChunkResults> byLease = new HashMap<>();
    int answers = 0;
    while (answers < n) {
      JobProtocol.Command m = job.receiveMessage(WAIT);
      List<ChunkProcessed> chunks = m instanceof JobProtocol.ChunksProcessed together
          ? together.each() : List.of((ChunkProcessed) m);
      for (ChunkProcessed p : chunks) {
        byLease.put(p.leaseId(), p.results());
        answers++;
      }
    }
    assertEquals(n, byLease.size(), "results for " + new TreeSet<>(byLease.keySet()));
    return byLease;
  }

  private static String quoted(String s) {
    return "\"" + s + "\"";
  }
}
