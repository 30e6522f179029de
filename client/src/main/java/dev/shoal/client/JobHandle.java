package dev.shoal.client;

import dev.shoal.api.JobStatus;
import java.util.Iterator;

/**
 * A submitted job. Its results are read once, through {@link #chunks()}, as they arrive (in input
 * order unless the job is unordered); a job whose results are not read waits for its reader, which
 * is how a slow consumer holds memory flat.
 */
public interface JobHandle extends AutoCloseable {

  String id();

  /** The results, a chunk at a time; blocks for the next one; ends when the job ends. */
  Iterator<ResultChunk> chunks();

  /** The final status; valid once {@link #chunks()} has ended (it waits for that). */
  JobStatus await();

  /** The status now. */
  JobStatus status();

  /** Items handed to the job so far while they are still being sent (an upload), else -1. */
  default long itemsSent() {
    return -1;
  }

  /**
   * Waits until every item has been handed to the job (for an upload, until its end); throws
   * {@link IllegalStateException} with the reason when they could not all be.
   */
  default void awaitInput() {}

  /** Cancels the job: queued chunks dropped, running items interrupted, results no longer read. */
  void cancel();

  /** Cancels the job unless it has ended. */
  @Override
  default void close() {
    if (!status().state().isFinal()) {
      cancel();
    }
  }
}
