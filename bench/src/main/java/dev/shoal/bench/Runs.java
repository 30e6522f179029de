package dev.shoal.bench;

/**
 * How many times to run something: {@code warmups} uncounted runs, then the median of {@code
 * counted}. A run longer than {@link #SLOW_SECONDS} is counted at once and ends the series, so that
 * the 10- and 20-second baselines (a sequential loop of 2-second sleeps) run once.
 */
record Runs(int warmups, int counted) {

  static final double SLOW_SECONDS = 5.0;

  /**
   * Shoal on warm nodes: 2 warm-ups and 5 runs, and 20 warm-ups for {@code square}, whose JIT on a
   * fresh cluster takes about 20 jobs to settle (1 warm-up and 3 runs with --quick); or {@code
   * warmups} warm-ups when given (not negative); sleep 1 warm-up and 1 run.
   */
  static Runs shoal(Workload w, boolean quick, int warmups) {
    if (w.single()) {
      return new Runs(1, 1);
    }
    Runs runs = quick ? new Runs(1, 3) : new Runs(w == Workload.SQUARE ? 20 : 2, 5);
    return warmups >= 0 ? new Runs(warmups, runs.counted()) : runs;
  }

  /**
   * Each side of a side-by-side comparison ({@link SideBySideBench}): 9 runs, more than {@link #shoal}'s 5, since
   * the figure is the ratio of two noisy medians; 3 warm-ups, and 20 for {@code square}, whose JIT
   * on a fresh cluster takes about 20 jobs to settle (1 warm-up and 3 runs with --quick); or {@code
   * warmups} warm-ups when given (not negative).
   */
  static Runs sideBySide(Workload w, boolean quick, int warmups) {
    Runs runs = quick ? new Runs(1, 3) : new Runs(w == Workload.SQUARE ? 20 : 3, 9);
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
