package dev.shoal.coordinator.job;

import dev.shoal.protocol.ItemBatch;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** The integers {@code start .. end-1}; never materialised, a chunk is two numbers. */
public final class RangeSource implements ItemSource {

  private final long end;
  private final long start;
  private long next;

  public RangeSource(long start, long end) {
    if (end < start) {
      throw new IllegalArgumentException("range end " + end + " is before its start " + start);
    }
    this.start = start;
    this.end = end;
    this.next = start;
  }

  @Override
  public long total() {
    return end - start;
  }

  @Override
  public CompletionStage<ItemBatch> next(int max) {
    int n = (int) Math.min(max, end - next);
    ItemBatch b = ItemBatch.range(next, n);
    next += n;
    return CompletableFuture.completedFuture(b);
  }
}
