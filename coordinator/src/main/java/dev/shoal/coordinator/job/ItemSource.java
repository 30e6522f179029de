package dev.shoal.coordinator.job;

import dev.shoal.protocol.ItemBatch;
import java.util.concurrent.CompletionStage;

/**
 * Where a job's items come from, read lazily so that a job of any size holds only a few chunks of
 * items at once. A source that must block (a file, stdin, a network body) does so on its own
 * thread and completes the stage later; an in-memory source completes it at once, which the job
 * uses without a round trip.
 */
public interface ItemSource extends AutoCloseable {

  /** The number of items if known before reading them all, else -1. */
  long total();

  /** Up to {@code max} next items; an empty batch means the source has ended. One call at a time. */
  CompletionStage<ItemBatch> next(int max);

  /** True when {@link #next} always completes at once (nothing to read ahead). */
  default boolean inMemory() {
    return true;
  }

  @Override
  default void close() {}
}
