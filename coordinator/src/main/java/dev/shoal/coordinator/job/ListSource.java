package dev.shoal.coordinator.job;

import dev.shoal.protocol.ItemBatch;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** Items already in memory as JSON texts (an HTTP body's {@code items} array). */
public final class ListSource implements ItemSource {

  private final List<String> items;
  private int next;

  public ListSource(List<String> jsonItems) {
    this.items = jsonItems;
  }

  @Override
  public long total() {
    return items.size();
  }

  @Override
  public CompletionStage<ItemBatch> next(int max) {
    int to = Math.min(items.size(), next + max);
    ItemBatch b = ItemBatch.json(items.subList(next, to));
    next = to;
    return CompletableFuture.completedFuture(b);
  }
}
