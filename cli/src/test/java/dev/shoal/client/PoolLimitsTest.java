package dev.shoal.client;

import dev.shoal.local.LocalPool;
import com.fasterxml.jackson.databind.JsonNode;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.shoal.api.JobRequest;
import dev.shoal.api.JobState;
import dev.shoal.api.JobStatus;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The Java API keeps to {@code shoal.coordinator.limits} with one wording whichever pool runs the
 * job: a local pool and a connected one refuse the same jobs with the same messages. Both hold at
 * most one job at a time here, so that a full queue is cheap to reach.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 2, unit = TimeUnit.MINUTES) // a safety net: a job that never ends fails its test
class PoolLimitsTest {

  private static final Config ONE_JOB = ConfigFactory.parseString("shoal.coordinator.limits.max-queued-jobs = 1");
  private static final String CHUNK_SIZE = "chunkSize 2147483647 exceeds shoal.coordinator.limits.max-chunk-items (10000)";

  private LocalPool local;
  private ServedPool served;
  private RemotePool remote;

  @BeforeAll
  void start() throws Exception {
    local = LocalPool.start(new LocalPool.Options(2, null, true, ONE_JOB));
    served = ServedPool.start(ONE_JOB);
    remote = Shoal.connect(served.url(), ServedPool.TOKEN);
  }

  @AfterAll
  void stop() throws Exception {
    local.close();
    remote.close();
    served.close();
  }

  @Test
  void aNullRequestOrItemsIsRefusedAtTheCallerAndThePoolGoesOn() {
    for (Pool pool : List.of(local, remote)) {
      assertEquals("request", assertThrows(NullPointerException.class, () -> pool.submit(null, Items.range(0, 3))).getMessage());
      assertEquals("items", assertThrows(NullPointerException.class, () -> pool.submit(JobRequest.of("echo"), null)).getMessage());
      assertEquals(List.of(0L, 1L, 4L), pool.map("square", List.of(0, 1, 2)).stream().map(JsonNode::asLong).toList());
    }
    assertThrows(IllegalArgumentException.class, () -> JobRequest.of(null));
  }

  @Test
  void aChunkSizeOverMaxChunkItemsIsRefusedNamingTheLimitByBothPools() {
    JobRequest typo = new JobRequest("echo", "{}", Integer.MAX_VALUE, true, 0);
    for (Pool pool : List.of(local, remote)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> pool.submit(typo, Items.range(0, Long.MAX_VALUE)), pool.getClass().getSimpleName());
      assertEquals(CHUNK_SIZE, e.getMessage());
    }
  }

  @Test
  void argsNestedOneLevelTooDeepAreRefusedByBothPools() {
    JobRequest deep = new JobRequest("echo", "{\"a\": " + "[".repeat(64) + "]".repeat(64) + "}", 0, true, 0);
    for (Pool pool : List.of(local, remote)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> pool.submit(deep, Items.range(0, 3)), pool.getClass().getSimpleName());
      assertEquals("args nest deeper than shoal.coordinator.limits.max-nesting-depth (64)", e.getMessage());
    }
  }

  @Test
  void aRangeWhoseCountOverflowsIsRefusedBeforeAnyPoolSeesIt() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Items.range(Long.MIN_VALUE, Long.MAX_VALUE));
    assertEquals("range " + Long.MIN_VALUE + ".." + Long.MAX_VALUE + " holds more than " + Long.MAX_VALUE + " items",
        e.getMessage());
  }

  @Test
  void anItemOverMaxItemBytesIsNamedByIndexAndSize() {
    List<Object> items = List.of(1, "x".repeat(1 << 20), 3);
    String expected = "item 1 is " + ((1 << 20) + 2) + " bytes, over shoal.coordinator.limits.max-item-bytes (1048576)";
    // a local job reads its items as it goes: the job fails when it reaches the item
    JobStatus ended;
    try (JobHandle job = local.submit(JobRequest.of("echo"), Items.of(items))) {
      ended = job.await();
    }
    assertEquals(JobState.FAILED, ended.state());
    assertEquals(expected, ended.message());
    // a body is read whole before the job starts: it is refused
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> remote.submit(JobRequest.of("echo"), Items.of(items)));
    assertEquals(expected, e.getMessage());
  }

  @Test
  void aJobBeyondMaxQueuedJobsIsRejectedAsOverloadWithTheSameMessage() {
    String expected = "the coordinator already holds 1 jobs that have not ended, the limit of "
        + "shoal.coordinator.limits.max-queued-jobs (1); try again later";
    for (Pool pool : List.of(local, remote)) {
      try (JobHandle sleeper = pool.submit(JobRequest.of("sleep"), Items.of(List.of(600_000)))) {
        RejectedExecutionException e = assertThrows(RejectedExecutionException.class,
            () -> pool.submit(JobRequest.of("echo"), Items.of(List.of(1))), pool.getClass().getSimpleName());
        assertEquals(expected, e.getMessage());
        sleeper.cancel();
        assertEquals(JobState.CANCELLED, sleeper.await().state());
      }
      assertEquals(List.of(7L), onceAccepted(() -> pool.map("echo", List.of(7))).stream().map(n -> n.longValue()).toList(),
          "the queue takes jobs again once one has ended");
    }
  }

  /**
   * The call, repeated while it is refused as overload: a job's results end a moment before the
   * coordinator counts the job as ended.
   */
  private static <T> T onceAccepted(java.util.function.Supplier<T> call) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (true) {
      try {
        return call.get();
      } catch (RejectedExecutionException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.onSpinWait();
      }
    }
  }
}
