package dev.shoal.coordinator.job;

import java.util.function.LongSupplier;

/**
 * Items started per second: a token bucket. It fills at {@code ratePerSecond} tokens a second up to
 * {@code burst}, starts full, and every item started takes one token.
 *
 * <p>Guarantees: over any stretch of {@code t} seconds at most {@code burst + ratePerSecond × t}
 * items are started through it, provided nothing starts without tokens; taking more than there are
 * (a chunk that had to go whole) leaves a debt that the next starts wait out, so the bound still holds
 * over a longer stretch.
 *
 * <p>Caveat: the clock is injected (nanoseconds, monotonic) so tests need no sleeps; not
 * thread-safe: one owner, a job's actor.
 */
public final class TokenBucket {

  private final double perNano;
  private final double burst;
  private final LongSupplier nanoClock;
  private double tokens;
  private long lastNanos;

  public TokenBucket(double ratePerSecond, double burst, LongSupplier nanoClock) {
    if (!(ratePerSecond > 0) || Double.isInfinite(ratePerSecond)) {
      throw new IllegalArgumentException("ratePerSecond must be a positive number, got " + ratePerSecond);
    }
    if (!(burst >= 1)) {
      throw new IllegalArgumentException("burst must be at least 1, got " + burst);
    }
    this.perNano = ratePerSecond / 1e9;
    this.burst = burst;
    this.nanoClock = nanoClock;
    this.tokens = burst;
    this.lastNanos = nanoClock.getAsLong();
  }

  /** Whole tokens there are now (0 while in debt). */
  public int available() {
    refill();
    return (int) Math.min(Integer.MAX_VALUE, Math.max(0, Math.floor(tokens)));
  }

  /** {@code items} were started. */
  public void take(int items) {
    refill();
    tokens -= items;
  }

  /** How long until one whole token is there again; 0 if one is there now. */
  public long nanosUntilToken() {
    refill();
    return tokens >= 1 ? 0 : (long) Math.ceil((1 - tokens) / perNano);
  }

  private void refill() {
    long now = nanoClock.getAsLong();
    if (now > lastNanos) {
      tokens = Math.min(burst, tokens + (now - lastNanos) * perNano);
      lastNanos = now;
    }
  }
}
