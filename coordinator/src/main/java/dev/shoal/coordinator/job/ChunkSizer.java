package dev.shoal.coordinator.job;

import dev.shoal.api.FunctionKind;

/**
 * The automatic chunk size. The rule, for a job whose user gave no chunk size:
 *
 * <ul>
 *   <li><b>CPU functions</b>: {@code size = min(ceil(remaining / (4 × slots)), target / t)}, at least
 *       {@code floor / t}, within {@code [1, max]}, where {@code t} is the measured time per item
 *       (an average over the chunks so far), {@code target} the chunk time aimed at (100 ms),
 *       {@code floor} the chunk time below which dispatch overhead would show (1 ms) and {@code
 *       slots} the chunks the cluster runs at once. The first term is guided self-scheduling:
 *       chunks shrink as the job nears its end, so all slots finish together. The second keeps a
 *       chunk short enough to re-send cheaply when its worker dies and to cancel promptly. The
 *       floor keeps cheap items (a {@code square}) in large chunks so per-chunk cost stays small.
 *       Until the first chunk has been timed, chunks are at most {@code initial} (64) items; when
 *       the total is unknown (a stream), {@code remaining} counts as unlimited.
 *   <li><b>IO functions</b> run every item of a chunk at once, so time per chunk does not grow with
 *       its size: {@code size = ceil(remaining / slots)} within {@code [1, max-io]}, which puts every
 *       item in flight at once when the cluster's IO capacity allows. The size never shrinks during
 *       a job (the largest share so far is kept), so the chunks of one round are all of one size.
 * </ul>
 */
public final class ChunkSizer {

  private final int max;
  private final int maxIo;
  private final int initial;
  private final long targetNanos;
  private final long floorNanos;
  private double nanosPerItem = -1;
  private long ioShare;

  public ChunkSizer(int max, int maxIo, int initial, long targetNanos, long floorNanos) {
    this.max = max;
    this.maxIo = maxIo;
    this.initial = initial;
    this.targetNanos = targetNanos;
    this.floorNanos = floorNanos;
  }

  /** Records a timed chunk; a moving average so that JIT warm-up and noise fade out. */
  public void observe(int items, long nanos) {
    if (items <= 0 || nanos <= 0) {
      return;
    }
    double perItem = (double) nanos / items;
    nanosPerItem = nanosPerItem < 0 ? perItem : 0.7 * nanosPerItem + 0.3 * perItem;
  }

  public double nanosPerItem() {
    return nanosPerItem;
  }

  /**
   * @param remaining items not yet cut into chunks, -1 if unknown
   * @param slots chunks the cluster runs at once (at least 1)
   */
  public int size(FunctionKind kind, long remaining, int slots) {
    slots = Math.max(1, slots);
    long rest = remaining < 0 ? Long.MAX_VALUE / 8 : remaining;
    if (kind == FunctionKind.IO) {
      long even = remaining < 0 ? maxIo : ceilDiv(rest, slots);
      // the chunks of one offer are cut one after another, each leaving less remaining: shares of
      // what is left would halve (968, 484, ... 1) and the tail would run as a string of short IO
      // rounds on busy slots; the largest share so far holds for the rest of the job instead
      ioShare = Math.max(ioShare, even);
      return (int) clamp(ioShare, 1, Math.min(maxIo, Math.max(1, rest)));
    }
    long size = ceilDiv(rest, 4L * slots);
    if (nanosPerItem < 0) {
      size = Math.min(size, initial);
    } else {
      size = Math.min(size, (long) (targetNanos / Math.max(1.0, nanosPerItem)));
      size = Math.max(size, (long) Math.ceil(floorNanos / Math.max(1.0, nanosPerItem)));
    }
    return (int) clamp(size, 1, Math.min(max, Math.max(1, rest)));
  }

  private static long ceilDiv(long a, long b) {
    // not (a + b - 1) / b: a range of nearly 2^63 items would overflow into a negative size
    return a / b + (a % b == 0 ? 0 : 1);
  }

  private static long clamp(long v, long lo, long hi) {
    return Math.max(lo, Math.min(hi, v));
  }
}
