package dev.shoal.coordinator;

import java.util.Locale;

/**
 * How the coordinator shares free slots among running jobs of one priority ({@code
 * shoal.coordinator.scheduling}). Higher priorities always come first, whatever the policy.
 */
public enum SchedulingPolicy {
  /** The oldest job with work gets every free slot before a younger job of its priority gets any. */
  FIFO,
  /**
   * Each free slot goes to the job holding the least slots for its weight, so a small job submitted
   * after a giant one runs alongside it instead of waiting for it to end.
   */
  FAIR;

  /** {@code fifo} or {@code fair}, any case; anything else is refused naming the setting. */
  public static SchedulingPolicy parse(String value) {
    try {
      return valueOf(value.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "shoal.coordinator.scheduling must be fifo or fair, got '" + value + "'", e);
    }
  }
}
