package dev.shoal.bench;

/**
 * How many times to run something: {@code warmups} uncounted runs, then the median of {@code
 * counted}. A run longer than {@link #SLOW_SECONDS} is counted at once and ends the series, so that
 * the 10- and 20-second baselines (a sequential loop of 2-second sleeps) run once.
 */
record Runs(int warmups, int counted) {

  static final double SLOW_SECONDS = 5.0;

  /**
   * Uncounted {@code square} jobs before the counted ones. A fresh cluster's JIT keeps compiling
   * through its first 1,000,000-item jobs (C1 and C2 were 43 % of the coordinator's CPU over jobs
   * 41–60, and about 1,500 methods per 20 jobs were still compiled after job 100): on 2026-12-07,
   * plain text, medians of 10 jobs went 0.31 s (jobs 1–10), 0.17 (11–20), 0.13 (31–40), 0.11 (51–60) and about 0.10 from job 80 on (bench/PROFILE.md). After 60 the figure
   * is a warm node's, within 10 % of where it settles.
   */
  static final int SQUARE_WARMUPS = 60;

  /**
   * Shoal on warm nodes: 2 warm-ups and 5 runs, and {@value #SQUARE_WARMUPS} warm-ups for {@code
   * square} (1 warm-up and 3 runs with --quick); or {@code warmups} warm-ups when given (not
   * negative); sleep 1 warm-up and 1 run.
   */
  static Runs shoal(Workload w, boolean quick, int warmups) {
    if (w.single()) {
      return new Runs(1, 1);
    }
    Runs runs = quick ? new Runs(1, 3) : new Runs(w == Workload.SQUARE ? SQUARE_WARMUPS : 2, 5);
    return warmups >= 0 ? new Runs(warmups, runs.counted()) : runs;
  }

  /**
   * Each side of a side-by-side comparison ({@link SideBySideBench}): 9 runs, more than {@link #shoal}'s 5, since
   * the figure is the ratio of two noisy medians; 3 warm-ups, and {@value #SQUARE_WARMUPS} for {@code square}
   * (1 warm-up and 3 runs with --quick); or {@code
   * warmups} warm-ups when given (not negative).
   */
  static Runs sideBySide(Workload w, boolean quick, int warmups) {
    Runs runs = quick ? new Runs(1, 3) : new Runs(w == Workload.SQUARE ? SQUARE_WARMUPS : 3, 9);
    return warmups >= 0 ? new Runs(warmups, runs.counted()) : runs;
  }

  /** A baseline is a fresh process each run: 1 warm-up (file cache, JIT-free) and 3 runs (1 with --quick). */
  static Runs baseline(Workload w, boolean quick) {
    if (w.single()) {
      return new Runs(0, 1);
    }
    return quick ? new Runs(1, 1) : new Runs(1, 3);
  }
}
