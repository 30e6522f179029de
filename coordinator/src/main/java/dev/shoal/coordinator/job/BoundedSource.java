package dev.shoal.coordinator.job;

import dev.shoal.protocol.ItemBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
  private List<String> carry = List.of();
  /** UTF-8 bytes of {@code carry}. */
  private long carryBytes;
  private boolean sourceEnded;
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
    int want = Math.max(1, max) - carry.size();
    if (sourceEnded || want <= 0 || carryBytes >= limits.maxChunkBytes()) {
      return cut(List.of(), max);
    }
    // the carry is topped up to a full chunk, so a chunk cut short by bytes does not leave a small one behind
    return source.next(want).thenCompose(b -> {
      if (b.isRange()) {
        handedOut += b.count();
        return CompletableFuture.completedFuture(b);
      }
      if (b.size() == 0) {
        sourceEnded = true;
      }
      return cut(b.json(), max);
    });
  }

  /** The next batch from the carry and then {@code more}; what does not fit is carried to the next call. */
  private CompletionStage<ItemBatch> cut(List<String> more, int max) {
    List<String> items = new ArrayList<>(carry.size() + more.size());
    items.addAll(carry);
    items.addAll(more);
    int n = Math.min(items.size(), Math.max(1, max));
    long bytes = 0;
    int take = 0;
    for (; take < n; take++) {
      long size = JobLimits.utf8Length(items.get(take));
      Optional<String> tooBig = limits.item(handedOut + take, size);
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
    carry = List.copyOf(items.subList(take, items.size()));
    carryBytes = 0;
    for (String s : carry) {
      carryBytes += JobLimits.utf8Length(s);
    }
    handedOut += take;
    return CompletableFuture.completedFuture(ItemBatch.json(items.subList(0, take)));
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
