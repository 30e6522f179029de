package dev.shoal.local;

import dev.shoal.client.Items;
import dev.shoal.coordinator.job.ItemSource;
import dev.shoal.coordinator.job.JobLimits;
import dev.shoal.coordinator.job.LinesSource;
import dev.shoal.coordinator.job.ListSource;
import dev.shoal.coordinator.job.RangeSource;
import dev.shoal.protocol.ItemBatch;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A Java API input as the engine in this JVM reads it: a range stays two numbers, lines are read
 * as the job takes them, a collection is written as JSON up front, any other iterable one object at
 * a time (never all held).
 */
final class ItemSources {

  private ItemSources() {}

  static ItemSource of(Items items, JobLimits limits) {
    if (items instanceof Items.Range r) {
      return new RangeSource(r.start(), r.end());
    }
    if (items instanceof Items.Lines l) {
      return new LinesSource(l.reader(), limits.maxItemBytes());
    }
    return objects(((Items.Objects) items).items());
  }

  private static ItemSource objects(Iterable<?> items) {
    if (items instanceof java.util.Collection<?> c) {
      List<String> json = new ArrayList<>(c.size());
      for (Object o : c) {
        json.add(Items.Objects.toJson(o));
      }
      return new ListSource(json);
    }
    Iterator<?> it = items.iterator();
    return new ItemSource() {
      @Override
      public long total() {
        return -1;
      }

      @Override
      public CompletionStage<ItemBatch> next(int max) {
        List<String> batch = new ArrayList<>(Math.min(max, 1024));
        while (batch.size() < max && it.hasNext()) {
          batch.add(Items.Objects.toJson(it.next()));
        }
        return CompletableFuture.completedFuture(ItemBatch.json(batch));
      }
    };
  }
}
