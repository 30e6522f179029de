package dev.shoal.api;

import java.util.List;

/**
 * How a job retries an item whose function threw, and when it gives up on the whole job.
 *
 * <p>Guarantees: a value of this record is valid (the constructor refuses a bad one with a message
 * naming the field, as the HTTP API and the CLI show it). Caveat: workers report an error's type
 * by the exception's simple class name, so a full name in {@code on} matches by its simple name.
 *
 * @param max retries per item after its first attempt, 0 for none
 * @param backoffMs the wait before the first retry; each further retry doubles it
 * @param maxBackoffMs the longest wait between two attempts
 * @param jitter the fraction of each wait drawn at random (0 to 1), so retries do not arrive in step
 * @param on the exception types (simple or full class names) that are retried; empty for all
 * @param maxFailures the job ends FAILED once more items than this have failed for good, -1 for no limit
 * @param maxFailureRate the job ends FAILED once more than this fraction of its finished items
 *     failed, -1 for no limit
 * @param minItemsForRate finished items before {@code maxFailureRate} is judged
 */
public record Retries(int max, long backoffMs, long maxBackoffMs, double jitter, List<String> on,
    long maxFailures, double maxFailureRate, long minItemsForRate) {

  /** No retries and no failure budget: every item runs once, and the job runs to its end. */
  public static final Retries NONE = new Retries(0, 100, 10_000, 0.5, List.of(), -1, -1, 100);

  public Retries {
    on = on == null ? List.of() : List.copyOf(on);
    check(max >= 0, "retries.max must be 0 (no retries) or more, got " + max);
    check(backoffMs >= 0, "retries.backoffMs must be 0 or more milliseconds, got " + backoffMs);
    check(maxBackoffMs >= backoffMs,
        "retries.maxBackoffMs must be at least retries.backoffMs (" + backoffMs + "), got " + maxBackoffMs);
    check(jitter >= 0 && jitter <= 1, "retries.jitter must be a fraction from 0 to 1, got " + jitter);
    for (String type : on) {
      check(type != null && !type.isBlank(), "retries.on must list exception type names, got an empty one");
    }
    check(maxFailures >= -1, "maxFailures must be -1 (no limit) or 0 or more items, got " + maxFailures);
    check(maxFailureRate == -1 || (maxFailureRate >= 0 && maxFailureRate <= 1),
        "maxFailureRate must be -1 (no limit) or a fraction from 0 to 1, got " + maxFailureRate);
    check(minItemsForRate >= 1, "minItemsForRate must be 1 or more items, got " + minItemsForRate);
  }

  /** These retries, with the failure budget kept. */
  public Retries withRetries(int max, long backoffMs, List<String> on) {
    return new Retries(max, backoffMs, Math.max(maxBackoffMs, backoffMs), jitter, on, maxFailures, maxFailureRate,
        minItemsForRate);
  }

  public Retries withMaxBackoffMs(long maxBackoffMs) {
    return new Retries(max, backoffMs, maxBackoffMs, jitter, on, maxFailures, maxFailureRate, minItemsForRate);
  }

  public Retries withJitter(double jitter) {
    return new Retries(max, backoffMs, maxBackoffMs, jitter, on, maxFailures, maxFailureRate, minItemsForRate);
  }

  /** This failure budget, with the retries kept; -1 for no limit. */
  public Retries withFailureBudget(long maxFailures, double maxFailureRate) {
    return new Retries(max, backoffMs, maxBackoffMs, jitter, on, maxFailures, maxFailureRate, minItemsForRate);
  }

  public Retries withMinItemsForRate(long minItemsForRate) {
    return new Retries(max, backoffMs, maxBackoffMs, jitter, on, maxFailures, maxFailureRate, minItemsForRate);
  }

  private static void check(boolean ok, String problem) {
    if (!ok) {
      throw new IllegalArgumentException(problem);
    }
  }
}
