package dev.shoal.bench;

import java.util.List;

/**
 * The counted runs of one system on one workload.
 *
 * @param system who ran it: a Shoal mode or a baseline
 * @param workers the workers used, and why that many
 * @param seconds job time of each counted run: Shoal's from submission to the last result written
 *     to the output file; a baseline's in-process {@code loop_s}
 * @param wallSeconds whole-process wall time of each counted run (baselines only; empty for Shoal,
 *     whose nodes are warm and started once)
 * @param warmups uncounted runs before the counted ones
 * @param digestOk every output file of every run (warm-ups included) matched expected.sha256
 */
record Measurement(
    String system,
    boolean shoal,
    String workload,
    int items,
    String workers,
    List<Double> seconds,
    List<Double> wallSeconds,
    int warmups,
    boolean digestOk,
    long itemErrors,
    double medianS,
    double minS,
    double maxS,
    double wallMedianS,
    String note) {

  static Measurement of(String system, boolean shoal, Workload w, String workers, List<Double> seconds,
      List<Double> wallSeconds, int warmups, boolean digestOk, long itemErrors, String note) {
    return new Measurement(system, shoal, w.label, w.items, workers, List.copyOf(seconds), List.copyOf(wallSeconds),
        warmups, digestOk, itemErrors, Stats.median(seconds), Stats.min(seconds), Stats.max(seconds),
        wallSeconds.isEmpty() ? Double.NaN : Stats.median(wallSeconds), note);
  }

  double itemsPerSecond() {
    return items / medianS;
  }
}
