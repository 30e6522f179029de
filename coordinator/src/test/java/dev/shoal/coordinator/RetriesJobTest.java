package dev.shoal.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shoal.coordinator.job.ItemSource;
import dev.shoal.api.JobRequest;
import dev.shoal.api.JobState;
import dev.shoal.api.JobStatus;
import dev.shoal.coordinator.job.RangeSource;
import dev.shoal.api.Retries;
import dev.shoal.protocol.CoordinatorProtocol;
import dev.shoal.protocol.FunctionRegistry;
import dev.shoal.worker.Worker;
import dev.shoal.worker.WorkerExecutors;
import dev.shoal.worker.WorkerSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Retries and failure budgets with a real coordinator and real workers, on a clock the test moves:
 * a retry cannot run before the test lets its backoff pass, so what happens while an item waits is
 * seen without racing it.
 */
class RetriesJobTest {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final long BACKOFF = 1_000;
  private static final ActorTestKit testKit = ActorTestKit.create("retries-test", ManualTime.config());
  private static final ManualTime time = ManualTime.get(testKit.system());
  private static final FunctionRegistry functions = FunctionRegistry.load(null, true);
  /** Backoff 1 s, doubling, no jitter: the waits are 1 s, 2 s, 4 s ... */
  private static final Retries STEADY = Retries.NONE.withJitter(0).withMaxBackoffMs(60_000);

  private WorkerExecutors executors;
  private final List<ActorRef<?>> spawned = new ArrayList<>();
  private ActorRef<CoordinatorProtocol.Command> coordinator;

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void setUp() {
    executors = new WorkerExecutors(2, 512);
    CoordinatorSettings settings = new CoordinatorSettings(10_000, 1_000, 64, Duration.ofMillis(100),
        Duration.ofMillis(1), 64, Duration.ofSeconds(4), 3, 100, Duration.ofMillis(200), Duration.ofMillis(250));
    coordinator = testKit.spawn(Coordinator.create(functions, settings));
    spawned.add(coordinator);
    WorkerSettings workerSettings = new WorkerSettings(1, 1, Duration.ofMillis(200));
    for (int i = 0; i < 2; i++) {
      spawned.add(testKit.spawn(Worker.create(coordinator, workerSettings, functions, executors, "local")));
    }
  }

  @AfterEach
  void tearDown() {
    spawned.forEach(testKit::stop);
    spawned.clear();
    executors.close();
  }

  @Test
  void anItemFailingTwiceSucceedsWithTwoRetriesAfterItsBackoffsAndTheItemsAfterItAreNotHeldBack() throws Exception {
    RecordingSink sink = new RecordingSink();
    String id = submit(flaky(2, 3, true), STEADY.withRetries(2, BACKOFF, List.of()), new RangeSource(0, 8), sink);

    // item 3 waits out its first backoff holding no worker: every other item has run meanwhile,
    // and in input order only the items before it are written
    JobStatus waiting = awaitStatus(id, s -> s.retried() == 1 && s.done() == 7);
    assertEquals(JobState.RUNNING, waiting.state());
    assertEquals(List.of(0L, 1L, 2L), sink.indexes());

    time.timePasses(Duration.ofMillis(BACKOFF));
    // its second attempt failed too: the next wait is twice as long
    awaitStatus(id, s -> s.retried() == 2);
    assertEquals(List.of(0L, 1L, 2L), sink.indexes());
    time.timePasses(Duration.ofMillis(2 * BACKOFF));

    JobStatus s = sink.awaitClosed();
    assertEquals(JobState.SUCCEEDED, s.state());
    assertEquals(8, s.done());
    assertEquals(0, s.errors());
    assertEquals(2, s.retried());
    assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L), sink.indexes());
    assertEquals(identity(8, Map.of()), sink.outcomes());
  }

  @Test
  void anItemFailingTwiceFailsWithOneRetryAndItsErrorNamesItsAttempts() throws Exception {
    RecordingSink sink = new RecordingSink();
    String id = submit(flaky(2, 3, true), STEADY.withRetries(1, BACKOFF, List.of()), new RangeSource(0, 8), sink);
    awaitStatus(id, s -> s.retried() == 1 && s.done() == 7);
    time.timePasses(Duration.ofMillis(BACKOFF));

    JobStatus s = sink.awaitClosed();
    assertEquals(JobState.COMPLETED_WITH_ERRORS, s.state());
    assertEquals(1, s.errors());
    assertEquals(1, s.retried());
    assertEquals(identity(8, Map.of(3L,
        "!TransientFailure: flaky failed item 3 on attempt 2 of the 2 it fails (after 2 attempts)")), sink.outcomes());
    assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L), sink.indexes());
  }

  @Test
  void inCompletionOrderARetriedItemIsWrittenLastAndHoldsNothingBack() throws Exception {
    RecordingSink sink = new RecordingSink();
    String id = submit(flaky(1, 0, false), STEADY.withRetries(1, BACKOFF, List.of()), new RangeSource(0, 6), sink);
    testKit.createTestProbe().awaitAssert(WAIT, () -> {
      assertEquals(List.of(1L, 2L, 3L, 4L, 5L), sink.indexes().stream().sorted().toList());
      return null;
    });
    assertEquals(1, awaitStatus(id, st -> st.done() == 5).retried());
    time.timePasses(Duration.ofMillis(BACKOFF));

    assertEquals(JobState.SUCCEEDED, sink.awaitClosed().state());
    List<Long> indexes = sink.indexes();
    assertEquals(0L, indexes.get(indexes.size() - 1));
    assertEquals(identity(6, Map.of()), sink.outcomes());
  }

  @Test
  void onlyTheListedExceptionTypesAreRetried() throws Exception {
    RecordingSink notListed = new RecordingSink();
    submit(flaky(1, 3, true), STEADY.withRetries(3, BACKOFF, List.of("IOException", "Timeout")),
        new RangeSource(0, 5), notListed);
    // no time passes: the job ends without a retry
    JobStatus s = notListed.awaitClosed();
    assertEquals(JobState.COMPLETED_WITH_ERRORS, s.state());
    assertEquals(0, s.retried());
    assertEquals(identity(5, Map.of(3L, "!TransientFailure: flaky failed item 3 on attempt 1 of the 1 it fails")),
        notListed.outcomes());

    RecordingSink listedByFullName = new RecordingSink();
    String id = submit(flaky(1, 3, true),
        STEADY.withRetries(3, BACKOFF, List.of("IOException", "dev.shoal.worker.functions.Flaky$TransientFailure")),
        new RangeSource(0, 5), listedByFullName);
    awaitStatus(id, st -> st.retried() == 1);
    time.timePasses(Duration.ofMillis(BACKOFF));
    JobStatus healed = listedByFullName.awaitClosed();
    assertEquals(JobState.SUCCEEDED, healed.state());
    assertEquals(identity(5, Map.of()), listedByFullName.outcomes());
  }

  @Test
  void aJobOverItsMaxFailuresEndsFailedEarlySayingWhichBudgetAndItsFigures() throws Exception {
    RecordingSink sink = new RecordingSink();
    submit(new JobRequest("fail", "{}", 10, true, 0), Retries.NONE.withFailureBudget(5, -1),
        new RangeSource(0, 100_000), sink);

    JobStatus s = sink.awaitClosed();
    assertEquals(JobState.FAILED, s.state());
    assertTrue(s.errors() > 5 && s.done() < 100_000, s.toString());
    assertEquals("failure budget exceeded: " + s.errors() + " items failed, more than maxFailures=5", s.message());
  }

  @Test
  void aJobOverItsMaxFailureRateEndsFailedOnceEnoughItemsFinished() throws Exception {
    RecordingSink sink = new RecordingSink();
    // every item up to 99 fails: the rate is 100% from the start, but judged only after 50 items
    String items = "{\"items\":[" + String.join(",", java.util.stream.LongStream.range(0, 100)
        .mapToObj(Long::toString).toList()) + "]}";
    submit(new JobRequest("fail", items, 10, true, 0), Retries.NONE.withFailureBudget(-1, 0.5).withMinItemsForRate(50),
        new RangeSource(0, 100_000), sink);

    JobStatus s = sink.awaitClosed();
    assertEquals(JobState.FAILED, s.state());
    assertTrue(s.done() >= 50 && s.done() < 100_000, s.toString());
    assertEquals(String.format(java.util.Locale.ROOT, "failure budget exceeded: %d of %d finished items failed "
        + "(%.1f%%), more than maxFailureRate=0.5 (judged after minItemsForRate=50)", s.errors(), s.done(),
        100.0 * s.errors() / s.done()), s.message());
  }

  /** {@code flaky} failing item {@code item} its first {@code failures} attempts. */
  private static JobRequest flaky(int failures, long item, boolean ordered) {
    String args = "{\"failures\":" + failures + ",\"items\":[" + item + "]}";
    // chunks of 2, so the failing item shares its chunk with an item that does not fail
    return new JobRequest("flaky", args, 2, ordered, 0);
  }

  private String submit(JobRequest request, Retries retries, ItemSource source, RecordingSink sink) {
    TestProbe<Coordinator.SubmitReply> reply = testKit.createTestProbe(Coordinator.SubmitReply.class);
    coordinator.tell(new Coordinator.SubmitJob(request.withRetries(retries), source, id -> sink, reply.ref()));
    return assertInstanceOf(Coordinator.JobAccepted.class, reply.receiveMessage(WAIT)).id();
  }

  private JobStatus awaitStatus(String id, Predicate<JobStatus> condition) {
    TestProbe<Optional<JobStatus>> status = testKit.createTestProbe();
    return status.awaitAssert(WAIT, () -> {
      coordinator.tell(new Coordinator.GetJob(id, status.ref()));
      JobStatus s = status.receiveMessage().orElseThrow();
      assertTrue(condition.test(s), s.toString());
      return s;
    });
  }

  /** Item {@code i} of {@code 0..n-1} returned {@code i}, except the {@code errors} given. */
  private static Map<Long, String> identity(int n, Map<Long, String> errors) {
    Map<Long, String> out = new TreeMap<>();
    for (long i = 0; i < n; i++) {
      out.put(i, errors.getOrDefault(i, Long.toString(i)));
    }
    return out;
  }
}
