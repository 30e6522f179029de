package dev.shoal.coordinator.http;

import dev.shoal.coordinator.job.JobStatus;
import dev.shoal.coordinator.job.JsonLines;
import dev.shoal.coordinator.job.ResultSink;
import dev.shoal.protocol.ChunkResults;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP job's results file, {@code <spool-dir>/<id>.ndjson}: the job's sink writes it through
 * {@link JsonLines}, and any number of results streams read it, from the start, while it grows.
 *
 * <p>Guarantees: readers are woken the moment a chunk is written or the job ends, never by polling;
 * {@link #written()} only ever counts bytes that are in the file in full (a chunk is counted after it
 * is flushed), so a reader never sees half a chunk. Nothing of the results is held in memory beyond
 * {@link JsonLines}' one buffer.
 *
 * <p>Caveat: the file is opened with the first write (or at the close of a job with no result), on
 * the sink's thread, so that making the sink on the coordinator's thread does no I/O.
 */
final class SpoolFile implements ResultSink {

  private final String id;
  private final Path path;
  private final Spool spool;
  private final List<CompletableFuture<Boolean>> waiters = new ArrayList<>();
  // the sink's side: one write or close at a time, on the job's sink thread
  private CountingStream out;
  private JsonLines lines;
  // the readers' side; `closed` is set after the last `written`, so read it first
  private volatile long written;
  private volatile boolean closed;
  private volatile JobStatus finalStatus;

  SpoolFile(String id, Path path, Spool spool) {
    this.id = id;
    this.path = path;
    this.spool = spool;
  }

  String id() {
    return id;
  }

  Path path() {
    return path;
  }

  /** Bytes of whole chunks in the file so far. */
  long written() {
    return written;
  }

  boolean isClosed() {
    return closed;
  }

  /** The job's final status once its results are complete, else null. */
  JobStatus finalStatus() {
    return finalStatus;
  }

  @Override
  public void write(long firstIndex, ChunkResults results) throws IOException {
    if (lines == null) {
      open();
    }
    long before = out.count;
    lines.write(firstIndex, results);
    lines.flush();
    publish(out.count, false);
    spool.wrote(out.count - before);
  }

  @Override
  public void close(JobStatus status) throws IOException {
    try {
      if (lines == null) {
        open();
      }
      lines.flush();
      out.close();
    } finally {
      finalStatus = status;
      publish(out == null ? 0 : out.count, true);
      spool.closed(this);
    }
  }

  /**
   * Completes with true once the file holds more than {@code offset} bytes or is complete, or with
   * false after {@code patience} without either.
   */
  CompletableFuture<Boolean> awaitBeyond(long offset, Duration patience) {
    CompletableFuture<Boolean> f = new CompletableFuture<>();
    synchronized (this) {
      if (closed || written > offset) {
        return CompletableFuture.completedFuture(true);
      }
      waiters.add(f);
    }
    f.completeOnTimeout(false, patience.toMillis(), TimeUnit.MILLISECONDS);
    f.thenAccept(news -> {
      if (!news) {
        synchronized (this) {
          waiters.remove(f);
        }
      }
    });
    return f;
  }

  private void open() throws IOException {
    out = new CountingStream(Files.newOutputStream(path));
    lines = new JsonLines(out);
  }

  private void publish(long bytes, boolean end) {
    List<CompletableFuture<Boolean>> ready;
    synchronized (this) {
      written = bytes;
      if (end) {
        closed = true;
      }
      ready = new ArrayList<>(waiters);
      waiters.clear();
    }
    ready.forEach(f -> f.complete(true));
  }

  /** Counts what reaches the file; JsonLines hands over whole buffers, so only this write matters. */
  private static final class CountingStream extends FilterOutputStream {
    long count;

    CountingStream(OutputStream out) {
      super(out);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }
  }
}
