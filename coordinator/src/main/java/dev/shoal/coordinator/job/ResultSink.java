package dev.shoal.coordinator.job;

import dev.shoal.protocol.ChunkResults;
import java.io.IOException;

/**
 * Where a job's results go, a chunk at a time: in input order when the job is ordered, else in
 * completion order. Called on a sink thread, never on an actor thread, and never concurrently for
 * one job, so an implementation may block (that is how a slow consumer slows the job down instead
 * of filling memory).
 */
public interface ResultSink {

  void write(long firstIndex, ChunkResults results) throws IOException;

  /** The job has ended; no write follows. */
  void close(JobStatus status) throws IOException;
}
