package dev.shoal.coordinator.job;

import dev.shoal.api.Scheduling;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A job's maxInFlight and ratePerSecond: how many items it may start now, on a hand-driven clock. */
class ThrottleTest {

  private final AtomicLong now = new AtomicLong();

  @Test
  void withoutLimitsEverythingIsAllowed() {
    Throttle t = new Throttle(Scheduling.DEFAULT, now::get);
    assertEquals(Integer.MAX_VALUE, t.allowance(1_000_000));
    assertEquals(Integer.MAX_VALUE, t.largestChunk());
    assertEquals(0, t.nanosUntilRateAllows());
  }

  @Test
  void maxInFlightAllowsWhatIsLeftOfItAndNothingAtIt() {
    Throttle t = new Throttle(new Scheduling(0, 1, 5, 0), now::get);
    assertEquals(5, t.allowance(0));
    assertEquals(2, t.allowance(3));
    assertEquals(0, t.allowance(5));
    assertEquals(0, t.allowance(7), "more in flight than allowed (a suspect that went whole) allows nothing");
    assertEquals(5, t.largestChunk());
    // the limit lifts when a chunk ends, not with time
    assertEquals(0, t.nanosUntilRateAllows());
  }

  @Test
  void theRateAllowsOneSecondsWorthAtOnceThenWhatHasAccrued() {
    Throttle t = new Throttle(new Scheduling(0, 1, 0, 10), now::get);
    assertEquals(10, t.allowance(0));
    assertEquals(10, t.largestChunk());
    t.started(10);
    assertEquals(0, t.allowance(0));
    assertEquals(100_000_000L, t.nanosUntilRateAllows());
    now.addAndGet(300_000_000L);
    assertEquals(3, t.allowance(0));
  }

  @Test
  void bothLimitsTogetherAllowTheSmallerAllowance() {
    Throttle t = new Throttle(new Scheduling(0, 1, 4, 10), now::get);
    assertEquals(4, t.allowance(0));
    t.started(8);
    assertEquals(2, t.allowance(0));
    assertEquals(0, t.allowance(4));
    assertEquals(4, t.largestChunk());
  }

  @Test
  void aRateBelowOneAllowsOneItemAtATime() {
    Throttle t = new Throttle(new Scheduling(0, 1, 0, 0.5), now::get);
    assertEquals(1, t.allowance(0));
    assertEquals(1, t.largestChunk());
    t.started(1);
    assertEquals(0, t.allowance(0));
    assertEquals(2_000_000_000L, t.nanosUntilRateAllows());
  }
}
