package dev.shoal.coordinator.job;

import dev.shoal.protocol.ItemBatch;
import java.util.Optional;
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
    problem(start, end).ifPresent(p -> {
      throw new IllegalArgumentException(p);
    });
    this.start = start;
    this.end = end;
    this.next = start;
  }

  /** What is wrong with {@code start .. end} as a range, if anything. */
  public static Optional<String> problem(long start, long end) {
    if (end < start) {
      return Optional.of("range end " + end + " is before its start " + start);
    }
    if (end - start < 0) {
      return Optional.of("range " + start + ".." + end + " holds more than " + Long.MAX_VALUE + " items");
    }
    return Optional.empty();
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
