package dev.shoal.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shoal.coordinator.job.ItemSource;
import dev.shoal.coordinator.job.JobLimits;
import dev.shoal.coordinator.job.LinesSource;
import dev.shoal.coordinator.job.ListSource;
import dev.shoal.coordinator.job.RangeSource;
import dev.shoal.protocol.ItemBatch;
import java.io.BufferedReader;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A job's input as the Java API takes it: an integer range, JSON Lines from a reader, or any Java
 * objects (turned into JSON with Jackson, one at a time as the job reads them).
 */
public sealed interface Items permits Items.Range, Items.Lines, Items.Objects {

  static Items range(long start, long end) {
    RangeSource.problem(start, end).ifPresent(problem -> {
      throw new IllegalArgumentException(problem);
    });
    return new Range(start, end);
  }

  static Items lines(BufferedReader reader) {
    return new Lines(reader);
  }

  static Items of(Iterable<?> items) {
    return new Objects(items);
  }

  /** The items of a stream of any length, read once, lazily, as the job takes them. */
  static Items of(java.util.stream.Stream<?> items) {
    @SuppressWarnings("unchecked")
    java.util.Iterator<Object> it = (java.util.Iterator<Object>) items.iterator();
    Iterable<Object> once = () -> it;
    return new Objects(once);
  }

  /** The items as the engine reads them, for a job that runs in this JVM under {@code limits}. */
  ItemSource toSource(JobLimits limits);

  record Range(long start, long end) implements Items {
    @Override
    public ItemSource toSource(JobLimits limits) {
      return new RangeSource(start, end);
    }
  }

  record Lines(BufferedReader reader) implements Items {
    @Override
    public ItemSource toSource(JobLimits limits) {
      return new LinesSource(reader, limits.maxItemBytes());
    }
  }

  record Objects(Iterable<?> items) implements Items {
    static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public ItemSource toSource(JobLimits limits) {
      if (items instanceof java.util.Collection<?> c) {
        List<String> json = new ArrayList<>(c.size());
        for (Object o : c) {
          json.add(toJson(o));
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
            batch.add(toJson(it.next()));
          }
          return CompletableFuture.completedFuture(ItemBatch.json(batch));
        }
      };
    }

    static String toJson(Object o) {
      try {
        return JSON.writeValueAsString(o);
      } catch (JsonProcessingException e) {
        throw new IllegalArgumentException("item cannot be written as JSON: " + e.getOriginalMessage(), e);
      }
    }
  }
}
