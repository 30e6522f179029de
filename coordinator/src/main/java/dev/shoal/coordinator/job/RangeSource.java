package dev.shoal.coordinator.job;

import dev.shoal.api.Ranges;
import dev.shoal.protocol.ItemBatch;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The integers {@code start .. end-1}; never materialised, a chunk is two numbers. Any {@code start
 * <= end} whose count fits a {@code long} is a range; nothing is computed that could overflow.
 */
public final class RangeSource implements ItemSource {

  private final long end;
  private final long start;
  private long next;

  public RangeSource(long start, long end) {
    Ranges.problem(start, end).ifPresent(p -> {
      throw new IllegalArgumentException(p);
    });
    this.start = start;
    this.end = end;
    this.next = start;
  }

  public long start() {
    return start;
  }

  public long end() {
    return end;
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
