package dev.shoal.client;

import dev.shoal.coordinator.job.JobStatus;
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
