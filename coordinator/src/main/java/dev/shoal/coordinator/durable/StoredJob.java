package dev.shoal.coordinator.durable;

import dev.shoal.api.JobStatus;
import dev.shoal.coordinator.job.ResultSink;
import dev.shoal.api.ChunkResults;
import dev.shoal.api.ResultFrames;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One durable job's results: its sink, which appends each batch of results, as {@link ResultFrames}, as rows of the
 * {@link ResultStore}, and what its readers follow, the lines the job's {@link JobLedger} has
 * recorded. A reader sees a line only once it is recorded, so what it read is exactly what a
 * coordinator recovering the job keeps, and a client that resumes at its line count after a
 * restart gets neither a gap nor a repeat.
 *
 * <p>Guarantees: readers are woken when lines are recorded or the job ends, never by polling; a
 * job recovered as finished is complete at once. Memory: while the job runs, about {@value
 * #ROW_BYTES} bytes of frames besides the chunk being written (a batch is cut into rows of about
 * that size at frame ends, and a frame has at most {@link ResultFrames#MAX_ITEMS} items, so that a
 * reader holds a few rows only); none once it has ended.
 *
 * <p>Caveat: the sink's methods block on the disk or the database (they run on the sink executor).
 */
public final class StoredJob implements ResultSink {

  /** The size a row is cut at (at the next frame end): a hundred-thousand-item chunk of longs is four rows. */
  static final int ROW_BYTES = 256 * 1024;

  private final String id;
  private final ResultStore store;
  private final List<CompletableFuture<Boolean>> waiters = new ArrayList<>();
  // the sink's side, on the job's sink thread
  private final Rows rows = new Rows();
  private long nextLine;
  // the readers' side; `closed` is set after the last `committed`, so read it first
  private volatile long committed;
  private volatile boolean closed;
  private volatile JobStatus finalStatus;

  private final java.util.function.LongConsumer wrote;

  StoredJob(String id, ResultStore store, java.util.function.LongConsumer wrote) {
    this.id = id;
    this.store = store;
    this.wrote = wrote;
  }

  /** A job that had ended before this coordinator started: all its {@code lines} are there. */
  static StoredJob ended(String id, ResultStore store, JobStatus status, long lines) {
    StoredJob j = new StoredJob(id, store, n -> {});
    j.committed = lines;
    j.finalStatus = status;
    j.closed = true;
    return j;
  }

  public String id() {
    return id;
  }

  ResultStore store() {
    return store;
  }

  /** Result lines readers may see. */
  public long committedLines() {
    return committed;
  }

  public boolean isClosed() {
    return closed;
  }

  /** The job's final status once its results are complete, else null. */
  public JobStatus finalStatus() {
    return finalStatus;
  }

  @Override
  public void write(long firstIndex, ChunkResults results) {
    rows.add(firstIndex, results);
  }

  @Override
  public void flush() {
    rows.store();
  }

  @Override
  public void resume(long kept) {
    store.truncate(id, kept);
    nextLine = kept;
  }

  @Override
  public void committed(long recorded) {
    publish(recorded, false);
  }

  @Override
  public void close(JobStatus status) {
    rows.release();
    store.ended(id);
    finalStatus = status;
    publish(committed, true);
  }

  /**
   * Completes with true once more than {@code line} lines are recorded or the job has ended, or with
   * false after {@code patience} without either.
   */
  public CompletableFuture<Boolean> awaitBeyond(long line, Duration patience) {
    CompletableFuture<Boolean> f = new CompletableFuture<>();
    synchronized (this) {
      if (closed || committed > line) {
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

  private void publish(long recorded, boolean end) {
    List<CompletableFuture<Boolean>> ready;
    synchronized (this) {
      committed = Math.max(committed, recorded);
      if (end) {
        closed = true;
      }
      ready = new ArrayList<>(waiters);
      waiters.clear();
    }
    ready.forEach(f -> f.complete(true));
  }

  /**
   * The frames not yet stored. Rows hold whole frames only, and a flush stores everything, so a
   * batch the ledger records ends where a row ends: recovery's {@link #resume} cut falls between rows.
   */
  private final class Rows {

    // made at the first write and dropped at the close: a coordinator holds the jobs of its history
    // (hundreds), and a row's buffer each ran a 256 MB heap out of memory while it recovered them
    private ByteArrayOutputStream buf;
    private int items;

    void add(long firstIndex, ChunkResults results) {
      if (buf == null) {
        buf = new ByteArrayOutputStream(ROW_BYTES + (1 << 16));
      }
      ResultFrames.encode(firstIndex, results, frame -> {
        buf.write(frame, 0, frame.length);
        items += ResultFrames.count(frame, 0);
        if (buf.size() >= ROW_BYTES) {
          store();
        }
      });
    }

    /** Stores the frames held as one row. */
    void store() {
      if (buf == null || buf.size() == 0) {
        return;
      }
      // committed one by one: H2 holds a transaction's rows in memory until it commits, and sixteen
      // rows per commit ran a 64 MB coordinator out of heap (BoundedMemoryIT)
      int bytes = buf.size();
      store.append(id, nextLine, items, buf.toByteArray());
      wrote.accept(bytes);
      nextLine += items;
      items = 0;
      buf.reset();
    }

    /** Lets the buffer go: the job has ended, nothing more is written. */
    void release() {
      buf = null;
    }
  }
}
