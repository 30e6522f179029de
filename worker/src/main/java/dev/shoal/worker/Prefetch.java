package dev.shoal.worker;

/**
 * How many chunks a worker holds beyond its slots. A chunk that finishes starts the next one held
 * here at once, while the demand for a replacement is on its way: the queue has to last a round
 * trip to the coordinator. Long chunks need few ({@code min}); chunks of microseconds (tiny items,
 * chunk size 1) need many, or the slots idle for most of every round trip. The rule: enough queued
 * chunks to keep every slot busy for {@code cover} at the pace chunks have run here (a moving
 * average), within {@code [min, max]}; before any chunk has run, {@code min}.
 *
 * <p>Caveat: chunks queued here wait for this worker; a larger {@code max} lets a slow worker hold
 * work a faster one could run, which is why the queue grows only as chunks get short, and never
 * beyond the time {@code cover} of work.
 */
final class Prefetch {

  private final int min;
  private final int max;
  private final long coverNanos;
  private double nanosPerChunk = -1;

  Prefetch(int min, int max, long coverNanos) {
    if (min < 0 || max < min) {
      throw new IllegalArgumentException("prefetch must be 0 or more and max-prefetch at least prefetch, got "
          + min + " and " + max);
    }
    this.min = min;
    this.max = max;
    this.coverNanos = coverNanos;
  }

  /** A chunk ran for {@code nanos}, from its start here to its results. */
  void observe(long nanos) {
    if (nanos <= 0) {
      return;
    }
    nanosPerChunk = nanosPerChunk < 0 ? nanos : 0.8 * nanosPerChunk + 0.2 * nanos;
  }

  /** Chunks to hold beyond {@code slots} now. */
  int chunks(int slots) {
    if (nanosPerChunk < 0 || max == min) {
      return min;
    }
    double needed = Math.ceil(Math.max(1, slots) * coverNanos / nanosPerChunk);
    return (int) Math.max(min, Math.min(max, needed));
  }
}
