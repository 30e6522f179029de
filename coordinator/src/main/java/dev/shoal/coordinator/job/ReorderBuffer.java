package dev.shoal.coordinator.job;

import dev.shoal.api.ChunkResults;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Puts chunk results back in input order. Chunks cover contiguous index ranges (also after a chunk
 * is split), so a chunk is released as soon as every index before it has been released. Holds only
 * chunks that arrived early; the job bounds how many can be outstanding, which bounds this buffer.
 */
public final class ReorderBuffer {

  /** A chunk ready for the sink. */
  public record Ready(long firstIndex, ChunkResults results) {}

  private final TreeMap<Long, ChunkResults> early = new TreeMap<>();
  private long next;

  public ReorderBuffer(long firstIndex) {
    this.next = firstIndex;
  }

  /** Adds a chunk; returns every chunk now releasable, in order (often none, often just this one). */
  public List<Ready> add(long firstIndex, ChunkResults results) {
    if (firstIndex < next || early.containsKey(firstIndex)) {
      throw new IllegalStateException("chunk at index " + firstIndex + " delivered twice");
    }
    if (firstIndex != next) {
      early.put(firstIndex, results);
      return List.of();
    }
    List<Ready> out = new ArrayList<>(1 + Math.min(early.size(), 8));
    out.add(new Ready(firstIndex, results));
    next += results.size();
    for (Map.Entry<Long, ChunkResults> e = early.firstEntry(); e != null && e.getKey() == next; e = early.firstEntry()) {
      early.pollFirstEntry();
      out.add(new Ready(e.getKey(), e.getValue()));
      next += e.getValue().size();
    }
    return out;
  }

  /** The first index not yet released. */
  public long next() {
    return next;
  }

  public int held() {
    return early.size();
  }
}
