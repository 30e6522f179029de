package dev.shoal.coordinator.job;

import dev.shoal.api.Scheduling;
import java.util.function.LongSupplier;

/**
 * A job's own limits for I/O work ({@link Scheduling#maxInFlight()} and {@link
 * Scheduling#ratePerSecond()}): how many items it may start now. The job asks before it hands out
 * a chunk, cuts the chunk to what is allowed, and says it has no work while nothing is; so a job at
 * its limit takes no offer and the slots go to other jobs.
 *
 * <p>Guarantees: items in flight never exceed {@code maxInFlight} through chunks it allowed; items
 * started keep to the token bucket's bound, with a burst of one second's worth (at least one item).
 *
 * <p>Caveat: a chunk whose worker died and that must run alone (a suspect) goes whole; its items
 * still take tokens, so the rate is only delayed, not exceeded over time.
 */
public final class Throttle {

  private final int maxInFlight;
  private final TokenBucket bucket;
  /** Whole tokens the bucket holds when full. */
  private final int burst;

  public Throttle(Scheduling scheduling, LongSupplier nanoClock) {
    this.maxInFlight = scheduling.maxInFlight();
    double rate = scheduling.ratePerSecond();
    this.burst = (int) Math.max(1, Math.min(Integer.MAX_VALUE, Math.floor(rate)));
    this.bucket = rate > 0 ? new TokenBucket(rate, burst, nanoClock) : null;
  }

  /** Items that may start now while {@code inFlight} are running; {@link Integer#MAX_VALUE} with no limit. */
  public int allowance(long inFlight) {
    long allowed = Integer.MAX_VALUE;
    if (maxInFlight > 0) {
      allowed = Math.max(0, maxInFlight - inFlight);
    }
    if (bucket != null) {
      allowed = Math.min(allowed, bucket.available());
    }
    return (int) allowed;
  }

  /** True if the items running count against a limit ({@link #allowance} depends on them). */
  public boolean limitsInFlight() {
    return maxInFlight > 0;
  }

  /** The largest chunk that could ever be allowed: no use cutting larger ones. */
  public int largestChunk() {
    int largest = maxInFlight > 0 ? maxInFlight : Integer.MAX_VALUE;
    return bucket == null ? largest : Math.min(largest, burst);
  }

  /** {@code items} were handed out. */
  public void started(int items) {
    if (bucket != null) {
      bucket.take(items);
    }
  }

  /**
   * How long until the rate allows a start again, when it is the rate that stops the job; 0 when
   * the rate does not (no rate, tokens there, or only maxInFlight in the way, which lifts when a
   * chunk ends, not with time).
   */
  public long nanosUntilRateAllows() {
    return bucket == null ? 0 : bucket.nanosUntilToken();
  }
}
