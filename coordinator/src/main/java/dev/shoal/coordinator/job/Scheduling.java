package dev.shoal.coordinator.job;

/**
 * A job's place among the other jobs of a shared cluster.
 *
 * @param priority free slots go to the highest priority with work (default 0)
 * @param weight the job's share of the slots among running jobs of its priority under {@code fair} scheduling
 * @param maxInFlight items running at once across the cluster, 0 for no limit
 * @param ratePerSecond items started per second across the cluster, 0 for no limit
 */
public record Scheduling(int priority, int weight, int maxInFlight, double ratePerSecond) {

  /** Priority 0, weight 1, no limits: what a job gets when it asks for nothing. */
  public static final Scheduling DEFAULT = new Scheduling(0, 1, 0, 0);
}
