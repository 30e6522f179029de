package dev.shoal.api;

/**
 * A job's place among the other jobs of a shared cluster.
 *
 * @param priority free slots go to the highest priority with work (default 0)
 * @param weight the job's share of the slots among running jobs of its priority under {@code fair} scheduling
 * @param maxInFlight items running at once across the cluster, 0 for no limit
 * @param ratePerSecond items started per second across the cluster, 0 for no limit
 */
public record Scheduling(int priority, int weight, int maxInFlight, double ratePerSecond) {

  /** Refuses what no job could mean, naming the field. */
  public Scheduling {
    if (weight < 1) {
      throw new IllegalArgumentException("weight must be a positive integer, got " + weight);
    }
    if (maxInFlight < 0) {
      throw new IllegalArgumentException("maxInFlight must be 0 (no limit) or positive, got " + maxInFlight);
    }
    if (!(ratePerSecond >= 0) || Double.isInfinite(ratePerSecond)) {
      throw new IllegalArgumentException("ratePerSecond must be 0 (no limit) or a positive number, got " + ratePerSecond);
    }
  }

  /** Priority 0, weight 1, no limits: what a job gets when it asks for nothing. */
  public static final Scheduling DEFAULT = new Scheduling(0, 1, 0, 0);
}
