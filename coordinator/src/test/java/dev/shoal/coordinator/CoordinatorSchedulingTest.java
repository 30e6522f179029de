package dev.shoal.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.api.JobRequest;
import dev.shoal.api.JobState;
import dev.shoal.api.JobStatus;
import dev.shoal.coordinator.job.RangeSource;
import dev.shoal.api.Scheduling;
import dev.shoal.protocol.CoordinatorProtocol;
import dev.shoal.api.FunctionKind;
import dev.shoal.protocol.FunctionRegistry;
import dev.shoal.api.ShoalFunction;
import dev.shoal.worker.Worker;
import dev.shoal.worker.WorkerExecutors;
import dev.shoal.worker.WorkerSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Priorities, fair share and a job's own limits with the real coordinator, job and worker actors.
 * Items of the {@code lane} functions note their start and, when their lane is held, wait for a
 * permit the test hands out, so a test decides when each held item ends and nothing is timed.
 */
class CoordinatorSchedulingTest {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final ActorTestKit testKit = ActorTestKit.create("scheduling-test");
  private static final FunctionRegistry functions =
      FunctionRegistry.load(null, true).with(new LaneFunction(FunctionKind.CPU)).with(new LaneFunction(FunctionKind.IO));

  /** One lane: the items started in it, in order, and the permits its held items wait for. */
  static final class Lane {
    final List<Long> started = Collections.synchronizedList(new ArrayList<>());
    final Semaphore permits = new Semaphore(0);
    final AtomicInteger inside = new AtomicInteger();
    final AtomicInteger mostInside = new AtomicInteger();
  }

  private static final Map<String, Lane> lanes = new ConcurrentHashMap<>();
  /** Every start of every lane, as "lane:item", in order. */
  private static final List<String> starts = Collections.synchronizedList(new ArrayList<>());

  private WorkerExecutors executors;
  private final List<ActorRef<?>> spawned = new ArrayList<>();

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void setUp() {
    executors = new WorkerExecutors(2, 512);
    lanes.clear();
    starts.clear();
  }

  @AfterEach
  void tearDown() {
    // let every held item end, so no worker thread waits past its test
    lanes.values().forEach(l -> l.permits.release(1_000_000));
    spawned.forEach(testKit::stop);
    spawned.clear();
    executors.close();
  }

  @Test
  void underFairASmallJobSubmittedAfterAHugeOneFinishesWhileTheHugeOneRuns() throws Exception {
    HugeJob h = hugeJobHoldingBothSlots(SchedulingPolicy.FAIR);
    ActorRef<CoordinatorProtocol.Command> coordinator = h.coordinator();
    Lane huge = h.lane();
    RecordingSink hugeSink = h.sink();
    String hugeId = h.id();
    RecordingSink smallSink = new RecordingSink();
    submit(coordinator, free("small", 1), new RangeSource(0, 10), smallSink);

    // huge's chunks end one at a time; the slots they free are shared with small, which ends long
    // before huge has all its items out (under fifo it needs 99 of them to end first)
    int ended = 0;
    while (ended < 98 && !smallSink.isClosed()) {
      huge.permits.release(1);
      ended++;
      awaitDone(coordinator, hugeId, ended);
    }
    assertEquals(JobState.SUCCEEDED, smallSink.awaitClosed().state());
    assertTrue(ended < 98, "small waited for huge: " + starts);
    assertEquals(JobState.RUNNING, status(coordinator, hugeId).state());

    huge.permits.release(1_000_000);
    assertEquals(JobState.SUCCEEDED, hugeSink.awaitClosed().state());
    assertEquals(100, hugeSink.outcomes().size());
  }

  @Test
  void underFifoASmallJobSubmittedAfterAHugeOneWaitsUntilTheHugeOneHasNoWorkLeft() throws Exception {
    HugeJob h = hugeJobHoldingBothSlots(SchedulingPolicy.FIFO);
    ActorRef<CoordinatorProtocol.Command> coordinator = h.coordinator();
    Lane huge = h.lane();
    RecordingSink hugeSink = h.sink();
    String hugeId = h.id();
    RecordingSink smallSink = new RecordingSink();
    submit(coordinator, free("small", 1), new RangeSource(0, 10), smallSink);

    // every freed slot goes to huge until all its items are out; then its last two hold both slots
    huge.permits.release(98);
    awaitStarted(huge, 100);
    awaitDone(coordinator, hugeId, 98);
    huge.permits.release(1);
    assertEquals(JobState.SUCCEEDED, smallSink.awaitClosed().state());
    List<String> order = List.copyOf(starts);
    assertEquals(100, order.indexOf("small:0"), "small's first item came right after huge's last: " + order);
    assertEquals(JobState.RUNNING, status(coordinator, hugeId).state());

    huge.permits.release(1);
    assertEquals(JobState.SUCCEEDED, hugeSink.awaitClosed().state());
  }

  @Test
  void underFifoAHigherPrioritySubmittedAfterAHugeJobGoesFirst() throws Exception {
    HugeJob h = hugeJobHoldingBothSlots(SchedulingPolicy.FIFO);
    ActorRef<CoordinatorProtocol.Command> coordinator = h.coordinator();
    Lane huge = h.lane();
    RecordingSink hugeSink = h.sink();
    String hugeId = h.id();
    RecordingSink urgentSink = new RecordingSink();
    submit(coordinator, free("urgent", 1).withScheduling(new Scheduling(1, 1, 0, 0)), new RangeSource(0, 10),
        urgentSink);

    // huge's running chunks are not taken back: urgent gets the first slot one of them frees
    huge.permits.release(1);
    assertEquals(JobState.SUCCEEDED, urgentSink.awaitClosed().state());
    assertEquals(1, status(coordinator, hugeId).done());
    awaitStarted(huge, 3);
    List<String> order = List.copyOf(starts);
    assertEquals(order.indexOf("urgent:9") + 1, order.indexOf("huge:2"),
        "huge's third item started right after urgent's last: " + order);

    huge.permits.release(1_000_000);
    assertEquals(JobState.SUCCEEDED, hugeSink.awaitClosed().state());
  }

  @Test
  void aJobAtItsMaxInFlightTakesNoMoreSlotsAndItsChunksKeepToWhatIsLeft() throws Exception {
    ActorRef<CoordinatorProtocol.Command> coordinator = coordinator(SchedulingPolicy.FIFO);
    // six slots, and chunks of five asked for: only three items may run at once
    workers(coordinator, 3, 2);
    Lane io = lane("limited");
    RecordingSink sink = new RecordingSink();
    JobRequest request = new JobRequest("io-lane", "{\"lane\":\"limited\",\"held\":true}", 5, true, 0)
        .withScheduling(new Scheduling(0, 1, 3, 0));
    String id = submit(coordinator, request, new RangeSource(0, 20), sink);
    awaitStarted(io, 3);
    // another job runs on the slots left free, so the coordinator has offered them all since
    RecordingSink other = new RecordingSink();
    submit(coordinator, free("other", 1), new RangeSource(0, 20), other);
    assertEquals(JobState.SUCCEEDED, other.awaitClosed().state());
    assertEquals(3, io.inside.get(), "items running at once: " + io.started);
    assertEquals(3, io.started.size());

    io.permits.release(1_000_000);
    JobStatus s = sink.awaitClosed();
    assertEquals(JobState.SUCCEEDED, s.state());
    assertEquals(20, sink.outcomes().size());
    assertEquals(3, io.mostInside.get(), "never more than maxInFlight at once");
    assertEquals(20, s.done());
    assertEquals(id, s.id());
  }

  @Test
  void aJobOutOfTokensStartsNothingMoreAndLeavesTheSlotsToOthers() throws Exception {
    ActorRef<CoordinatorProtocol.Command> coordinator = coordinator(SchedulingPolicy.FIFO);
    workers(coordinator, 2, 2);
    Lane slow = lane("slow");
    RecordingSink sink = new RecordingSink();
    // one item per thousand seconds: the bucket holds one token, so one item starts and no other
    JobRequest request = free("slow", 0).withScheduling(new Scheduling(0, 1, 0, 0.001));
    String id = submit(coordinator, request, new RangeSource(0, 5), sink);
    awaitDone(coordinator, id, 1);
    RecordingSink other = new RecordingSink();
    submit(coordinator, free("other", 0), new RangeSource(0, 50), other);
    assertEquals(JobState.SUCCEEDED, other.awaitClosed().state());

    JobStatus s = status(coordinator, id);
    assertEquals(JobState.RUNNING, s.state());
    assertEquals(1, s.done());
    assertEquals(List.of(0L), slow.started);
  }

  @Test
  void aJobPastItsBurstIsWokenWhenTokensReturnAndFinishes() throws Exception {
    ActorRef<CoordinatorProtocol.Command> coordinator = coordinator(SchedulingPolicy.FIFO);
    workers(coordinator, 2, 2);
    Lane rated = lane("rated");
    RecordingSink sink = new RecordingSink();
    // a burst of 20, then nothing in flight and no token: only the job's own reminder can restart it
    JobRequest request = free("rated", 0).withScheduling(new Scheduling(0, 1, 0, 20));
    submit(coordinator, request, new RangeSource(0, 30), sink);

    assertEquals(JobState.SUCCEEDED, sink.awaitClosed().state());
    assertEquals(30, sink.outcomes().size());
    assertEquals(30, rated.started.size());
  }

  // --- helpers ---

  private record HugeJob(ActorRef<CoordinatorProtocol.Command> coordinator, Lane lane, RecordingSink sink, String id) {}

  /** Two workers of one slot, and a job of 100 held items, one a chunk, running on both. */
  private HugeJob hugeJobHoldingBothSlots(SchedulingPolicy policy) {
    ActorRef<CoordinatorProtocol.Command> coordinator = coordinator(policy);
    workers(coordinator, 2, 1);
    Lane huge = lane("huge");
    RecordingSink sink = new RecordingSink();
    String id = submit(coordinator, held("huge", 1), new RangeSource(0, 100), sink);
    awaitStarted(huge, 2);
    return new HugeJob(coordinator, huge, sink, id);
  }

  private static Lane lane(String name) {
    Lane l = new Lane();
    lanes.put(name, l);
    return l;
  }

  /** A job of the CPU lane whose items each wait for a permit. */
  private static JobRequest held(String lane, int chunkSize) {
    return new JobRequest("lane", "{\"lane\":\"" + lane + "\",\"held\":true}", chunkSize, true, 0);
  }

  /** A job of the CPU lane whose items end at once. */
  private static JobRequest free(String lane, int chunkSize) {
    lanes.computeIfAbsent(lane, n -> new Lane());
    return new JobRequest("lane", "{\"lane\":\"" + lane + "\"}", chunkSize, true, 0);
  }

  private ActorRef<CoordinatorProtocol.Command> coordinator(SchedulingPolicy policy) {
    // a window (256 chunks) over the huge job's 100: it must never lack work for want of window
    // while its results wait to be written, or fifo would rightly hand a slot to the next job
    CoordinatorSettings settings = new CoordinatorSettings(10_000, 1_000, 64, Duration.ofMillis(100),
        Duration.ofMillis(1), 256, Duration.ofSeconds(4), 3, 100, Duration.ofMillis(200), Duration.ofMillis(250))
        .withScheduling(policy);
    ActorRef<CoordinatorProtocol.Command> c = testKit.spawn(Coordinator.create(functions, settings));
    spawned.add(c);
    return c;
  }

  /** {@code n} workers of {@code slots} slots each, taking no chunk beyond their slots. */
  private void workers(ActorRef<CoordinatorProtocol.Command> coordinator, int n, int slots) {
    WorkerSettings settings = new WorkerSettings(slots, 0, Duration.ofMillis(200));
    for (int i = 0; i < n; i++) {
      spawned.add(testKit.spawn(Worker.create(coordinator, settings, functions, executors, "local")));
    }
  }

  private String submit(ActorRef<CoordinatorProtocol.Command> coordinator, JobRequest request, RangeSource source,
      RecordingSink sink) {
    TestProbe<Coordinator.SubmitReply> reply = testKit.createTestProbe(Coordinator.SubmitReply.class);
    coordinator.tell(new Coordinator.SubmitJob(request, source, id -> sink, reply.ref()));
    return assertInstanceOf(Coordinator.JobAccepted.class, reply.receiveMessage(WAIT)).id();
  }

  private JobStatus status(ActorRef<CoordinatorProtocol.Command> coordinator, String id) {
    TestProbe<Optional<JobStatus>> probe = testKit.createTestProbe();
    coordinator.tell(new Coordinator.GetJob(id, probe.ref()));
    return probe.receiveMessage(WAIT).orElseThrow();
  }

  private void awaitDone(ActorRef<CoordinatorProtocol.Command> coordinator, String id, long done) {
    testKit.createTestProbe().awaitAssert(WAIT, () -> {
      assertEquals(done, status(coordinator, id).done());
      return null;
    });
  }

  private static void awaitStarted(Lane lane, int n) {
    testKit.createTestProbe().awaitAssert(WAIT, () -> {
      assertEquals(n, lane.started.size(), "items started");
      return null;
    });
  }

  /** Test functions {@code lane} (CPU) and {@code io-lane} (IO): see the class comment. */
  static final class LaneFunction implements ShoalFunction {
    private final FunctionKind kind;

    LaneFunction(FunctionKind kind) {
      this.kind = kind;
    }

    @Override
    public String name() {
      return kind == FunctionKind.CPU ? "lane" : "io-lane";
    }

    @Override
    public FunctionKind kind() {
      return kind;
    }

    @Override
    public JsonNode apply(JsonNode item, JsonNode args) throws InterruptedException {
      String name = args.path("lane").asText();
      Lane lane = lanes.get(name);
      starts.add(name + ":" + item.asLong());
      lane.started.add(item.asLong());
      int now = lane.inside.incrementAndGet();
      lane.mostInside.accumulateAndGet(now, Math::max);
      try {
        if (args.path("held").asBoolean() && !lane.permits.tryAcquire(WAIT.toSeconds(), TimeUnit.SECONDS)) {
          throw new IllegalStateException("no permit for " + name + ":" + item + " within " + WAIT);
        }
      } finally {
        lane.inside.decrementAndGet();
      }
      return item;
    }
  }
}
