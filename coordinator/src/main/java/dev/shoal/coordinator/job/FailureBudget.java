package dev.shoal.coordinator.job;

import dev.shoal.api.Retries;
import java.util.Locale;
import java.util.Optional;

/**
 * When a job with too many failed items stops itself: over {@code maxFailures} items failed for
 * good, or over {@code maxFailureRate} of its finished items once {@code minItemsForRate} have
 * finished.
 *
 * <p>Guarantees: judged on items that failed for good (an item waiting for its retry has not
 * failed yet); the reason names the budget exceeded with its figures. Caveat: the count is judged
 * as results arrive, so a job stops at the first chunk that crosses the budget, which may take it
 * a few items past it.
 */
public final class FailureBudget {

  private final long maxFailures;
  private final double maxFailureRate;
  private final long minItemsForRate;

  public FailureBudget(Retries retries) {
    this.maxFailures = retries.maxFailures();
    this.maxFailureRate = retries.maxFailureRate();
    this.minItemsForRate = retries.minItemsForRate();
  }

  /** Why the job must stop, with {@code finished} items done of which {@code failed} failed; empty to go on. */
  public Optional<String> exceeded(long finished, long failed) {
    if (maxFailures >= 0 && failed > maxFailures) {
      return Optional.of("failure budget exceeded: " + failed + " items failed, more than maxFailures="
          + maxFailures);
    }
    if (maxFailureRate >= 0 && finished >= minItemsForRate && failed > maxFailureRate * finished) {
      return Optional.of(String.format(Locale.ROOT,
          "failure budget exceeded: %d of %d finished items failed (%.1f%%), more than maxFailureRate=%s"
              + " (judged after minItemsForRate=%d)",
          failed, finished, 100.0 * failed / finished, maxFailureRate, minItemsForRate));
    }
    return Optional.empty();
  }
}
