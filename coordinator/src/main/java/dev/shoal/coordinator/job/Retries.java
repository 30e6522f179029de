package dev.shoal.coordinator.job;

import java.util.List;

/**
 * How a job retries an item whose function threw, and when it gives up on the whole job.
 *
 * @param max retries per item after its first attempt, 0 for none
 * @param backoffMs the wait before the first retry; each further retry doubles it
 * @param maxBackoffMs the longest wait between two attempts
 * @param jitter the fraction of each wait drawn at random (0 to 1), so retries do not arrive in step
 * @param on the exception types (simple or full class names) that are retried; empty for all
 * @param maxFailures the job ends FAILED once more items than this have failed for good, -1 for no limit
 * @param maxFailureRate the job ends FAILED once this fraction of its finished items failed, -1 for no limit
 * @param minItemsForRate finished items before {@code maxFailureRate} is judged
 */
public record Retries(int max, long backoffMs, long maxBackoffMs, double jitter, List<String> on,
    long maxFailures, double maxFailureRate, long minItemsForRate) {

  /** No retries and no failure budget: every item runs once, and the job runs to its end. */
  public static final Retries NONE = new Retries(0, 100, 10_000, 0.5, List.of(), -1, -1, 100);

  public Retries {
    on = on == null ? List.of() : List.copyOf(on);
  }
}
