package dev.shoal.coordinator.job;

import dev.shoal.api.JobStatus;
import dev.shoal.api.ChunkResults;
import java.io.IOException;

/**
 * Where a job's results go, a chunk at a time: in input order when the job is ordered, else in
 * completion order. Called on a sink thread, never on an actor thread, and never concurrently for
 * one job, so an implementation may block (that is how a slow consumer slows the job down instead
 * of filling memory).
 */
public interface ResultSink {

  void write(long firstIndex, ChunkResults results) throws IOException;

  /**
   * The writes since the last flush are one batch: a sink that stores durably commits them now.
   * Called after every batch of writes the job hands over at once.
   */
  default void flush() throws IOException {}

  /**
   * Before any write of a job recovered after a restart: the first {@code lines} result lines are
   * kept, anything written after them is dropped, and the next write follows them.
   */
  default void resume(long lines) throws IOException {}

  /**
   * The job has recorded {@code lines} result lines in its journal: readers may see them now. Called
   * on the job's thread, so it must not block. A sink that is not durable shows each write at once
   * and ignores this.
   */
  default void committed(long lines) {}

  /** The job has ended; no write follows. */
  void close(JobStatus status) throws IOException;
}
