package dev.shoal.coordinator.durable;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The item indices of a job whose results are recorded, as sorted, disjoint, non-adjacent
 * half-open ranges {@code [start, end)}. Immutable: {@link #plus} returns a new value, so a
 * journal's state can hold one safely. An ordered job's ranges are one prefix; an unordered job's
 * have as many holes as chunks were running when it was recorded.
 *
 * @param bounds start0, end0, start1, end1, ... in increasing order
 */
public record DoneRanges(long[] bounds) {

  public static final DoneRanges NONE = new DoneRanges(new long[0]);

  public DoneRanges {
    bounds = bounds == null ? new long[0] : bounds;
  }

  /** These ranges and {@code [start, end)}. */
  public DoneRanges plus(long start, long end) {
    if (start >= end) {
      return this;
    }
    List<long[]> out = new ArrayList<>(bounds.length / 2 + 1);
    boolean placed = false;
    for (int i = 0; i < bounds.length; i += 2) {
      long s = bounds[i];
      long e = bounds[i + 1];
      if (e < start || placed) {
        out.add(new long[] {s, e});
      } else if (s > end) {
        out.add(new long[] {start, end});
        out.add(new long[] {s, e});
        placed = true;
      } else {
        start = Math.min(start, s);
        end = Math.max(end, e);
      }
    }
    if (!placed) {
      out.add(new long[] {start, end});
    }
    long[] b = new long[out.size() * 2];
    for (int i = 0; i < out.size(); i++) {
      b[2 * i] = out.get(i)[0];
      b[2 * i + 1] = out.get(i)[1];
    }
    return new DoneRanges(b);
  }

  /** These ranges and every {@code [first, first + count)} pair of {@code pairs}. */
  public DoneRanges plusAll(long[] pairs) {
    DoneRanges r = this;
    for (int i = 0; i + 1 < pairs.length; i += 2) {
      r = r.plus(pairs[i], pairs[i] + pairs[i + 1]);
    }
    return r;
  }

  /** The parts of {@code [start, end)} not in these ranges, as {start, end} pairs in order. */
  public List<long[]> missing(long start, long end) {
    List<long[]> out = new ArrayList<>(2);
    long at = start;
    for (int i = 0; i < bounds.length && at < end; i += 2) {
      long s = bounds[i];
      long e = bounds[i + 1];
      if (e <= at) {
        continue;
      }
      if (s >= end) {
        break;
      }
      if (s > at) {
        out.add(new long[] {at, s});
      }
      at = Math.max(at, e);
    }
    if (at < end) {
      out.add(new long[] {at, end});
    }
    return out;
  }

  /** The first index not done at or after 0: where an ordered job's results go on. */
  public long firstMissing() {
    return bounds.length > 0 && bounds[0] == 0 ? bounds[1] : 0;
  }

  public long count() {
    long n = 0;
    for (int i = 0; i < bounds.length; i += 2) {
      n += bounds[i + 1] - bounds[i];
    }
    return n;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DoneRanges d && Arrays.equals(bounds, d.bounds);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bounds);
  }

  @Override
  public String toString() {
    return "DoneRanges" + Arrays.toString(bounds);
  }
}
