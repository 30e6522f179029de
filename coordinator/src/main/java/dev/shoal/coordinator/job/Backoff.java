package dev.shoal.coordinator.job;

import dev.shoal.api.Retries;
import java.util.function.DoubleSupplier;

/**
 * The wait before each retry of an item: exponential ({@code backoffMs}, then twice that, and so
 * on, never over {@code maxBackoffMs}) with a random part, so that the items of a burst of failures
 * do not all come back at the same moment.
 *
 * <p>Guarantees: the wait before retry {@code n} lies in {@code [w * (1 - jitter), w]} where
 * {@code w = min(maxBackoffMs, backoffMs * 2^(n-1))}; never negative, never over {@code
 * maxBackoffMs}, whatever {@code n}. Caveat: the random source is called once per wait and must
 * return values in {@code [0, 1)}; it is injected so tests can fix it.
 */
public final class Backoff {

  private final long baseMs;
  private final long maxMs;
  private final double jitter;
  private final DoubleSupplier random;

  public Backoff(Retries retries, DoubleSupplier random) {
    this.baseMs = retries.backoffMs();
    this.maxMs = retries.maxBackoffMs();
    this.jitter = retries.jitter();
    this.random = random;
  }

  /** Milliseconds to wait before retry number {@code retry} (1 for the first retry). */
  public long delayMs(int retry) {
    if (retry < 1) {
      throw new IllegalArgumentException("retries are numbered from 1, got " + retry);
    }
    long full = baseMs;
    // doubling stops at the cap, so a late retry number cannot overflow
    for (int i = 1; i < retry && full < maxMs; i++) {
      full = full > maxMs / 2 ? maxMs : full * 2;
    }
    full = Math.min(full, maxMs);
    double drawn = full * jitter * random.getAsDouble();
    return Math.max(0, Math.round(full - drawn));
  }
}
