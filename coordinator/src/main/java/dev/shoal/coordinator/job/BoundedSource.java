package dev.shoal.coordinator.job;

import dev.shoal.protocol.ItemBatch;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A source whose batches keep to {@link JobLimits}: a batch stops before the item that would take
 * its JSON past {@code max-chunk-bytes} (that item starts the next batch), and the first item over
 * {@code max-item-bytes} fails the read, naming the item, so its job fails with that message.
 *
 * <p>Guarantees: a batch is never empty while items remain, as every item fits a chunk on its own
 * ({@code max-item-bytes <= max-chunk-bytes}); the items and their order are the source's.
 *
 * <p>Caveats: it measures items the source has already built; a source that reads from outside
 * (lines of a file) must bound its own reading, as {@link LinesSource} does.
 */
final class BoundedSource implements ItemSource {

  private final ItemSource source;
  private final JobLimits limits;
  /** Items read from the source but not handed out yet: they did not fit the last batch. */
  private ItemBatch carry;
  /** Items handed out so far, which is the job-wide index of the next one. */
  private long handedOut;

  BoundedSource(ItemSource source, JobLimits limits) {
    this.source = source;
    this.limits = limits;
  }

  @Override
  public long total() {
    return source.total();
  }

  @Override
  public CompletionStage<ItemBatch> next(int max) {
    if (carry != null && carry.count() > 0) {
      ItemBatch from = carry;
      carry = null;
      return cut(from, max);
    }
    return source.next(max).thenCompose(b -> cut(b, max));
  }

  private CompletionStage<ItemBatch> cut(ItemBatch batch, int max) {
    if (batch.isRange()) {
      handedOut += batch.count();
      return CompletableFuture.completedFuture(batch);
    }
    List<String> items = batch.json();
    int n = Math.min(items.size(), Math.max(1, max));
    long bytes = 0;
    int take = 0;
    for (; take < n; take++) {
      long size = JobLimits.utf8Length(items.get(take));
      var tooBig = limits.item(handedOut + take, size);
      if (tooBig.isPresent()) {
        if (take > 0) {
          // hand out the items before it; the next read reaches it and fails there
          break;
        }
        return CompletableFuture.failedFuture(new IllegalArgumentException(tooBig.get()));
      }
      if (take > 0 && bytes + size > limits.maxChunkBytes()) {
        break;
      }
      bytes += size;
    }
    if (take < items.size()) {
      carry = batch.slice(take, items.size());
    }
    handedOut += take;
    return CompletableFuture.completedFuture(take == items.size() ? batch : batch.slice(0, take));
  }

  @Override
  public boolean inMemory() {
    return source.inMemory();
  }

  @Override
  public void close() {
    source.close();
  }
}
