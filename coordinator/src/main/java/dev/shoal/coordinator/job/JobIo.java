package dev.shoal.coordinator.job;

import dev.shoal.api.JobStatus;
import dev.shoal.api.ChunkResults;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * A job's source and sink, shared by the job actor (which writes and, at its end, closes) and the
 * coordinator (which closes them for a job whose actor failed or was stopped before it ended).
 * Writes and the close run one after another on the sink executor, in the order they were asked.
 *
 * <p>Guarantees: the sink is closed exactly once, after every write asked before it (a write that
 * failed does not hold the close back), with the status of the first {@link #close}; the source is
 * closed then too. A write asked after the close is dropped. Thread-safe.
 *
 * <p>Caveat: a write that blocks forever (a consumer that never reads) holds the close back too.
 */
public final class JobIo {

  private final ItemSource source;
  private final ResultSink sink;
  private final Executor sinkExecutor;
  private final CompletableFuture<JobStatus> closed = new CompletableFuture<>();
  private CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
  private JobStatus closedWith;

  public JobIo(ItemSource source, ResultSink sink, Executor sinkExecutor) {
    this.source = source;
    this.sink = sink;
    this.sinkExecutor = sinkExecutor;
  }

  public ItemSource source() {
    return source;
  }

  /** Queues a write behind the earlier ones; completes when it is written, exceptionally if it failed. */
  public CompletableFuture<Void> write(long firstIndex, ChunkResults results) {
    return write(List.of(new ReorderBuffer.Ready(firstIndex, results)));
  }

  /**
   * Queues the chunks as one batch (written, then {@link ResultSink#flush flushed}) behind the
   * earlier writes; completes when the batch is written, exceptionally if it failed.
   */
  public CompletableFuture<Void> write(List<ReorderBuffer.Ready> batch) {
    return then(() -> {
      for (ReorderBuffer.Ready r : batch) {
        sink.write(r.firstIndex(), r.results());
      }
      sink.flush();
    });
  }

  /** Queues {@link ResultSink#resume} ahead of any write: a recovered job keeps its first {@code lines} results. */
  public CompletableFuture<Void> resume(long lines) {
    return then(() -> sink.resume(lines));
  }

  /** The job's journal holds its first {@code lines} results: readers may see them (see {@link ResultSink#committed}). */
  public void committed(long lines) {
    sink.committed(lines);
  }

  private interface SinkStep {
    void run() throws Exception;
  }

  private synchronized CompletableFuture<Void> then(SinkStep step) {
    if (closedWith != null) {
      return CompletableFuture.completedFuture(null);
    }
    chain = chain.thenRunAsync(() -> {
      try {
        step.run();
      } catch (Exception e) {
        throw new CompletionException(e);
      }
    }, sinkExecutor);
    return chain;
  }

  /**
   * Closes the source now and the sink once the writes before it are done. Only the first call
   * counts: it returns true, every later one false.
   */
  public boolean close(JobStatus status) {
    CompletableFuture<Void> before;
    synchronized (this) {
      if (closedWith != null) {
        return false;
      }
      closedWith = status;
      before = chain;
    }
    source.close();
    try {
      before.handle((v, e) -> null).thenRunAsync(() -> {
        try {
          sink.close(status);
        } catch (Exception e) {
          throw new CompletionException(e);
        }
      }, sinkExecutor).whenComplete((v, e) -> {
        if (e == null) {
          closed.complete(status);
        } else {
          closed.completeExceptionally(e);
        }
      });
    } catch (RejectedExecutionException e) {
      // the actor system is shutting down its dispatchers: the sink cannot be closed any more
      closed.completeExceptionally(e);
    }
    return true;
  }

  /** The status the sink was (or is being) closed with, or null while it is open. */
  public synchronized JobStatus closedWith() {
    return closedWith;
  }

  /** Completes with the closing status once the sink has closed, exceptionally if its close failed. */
  public CompletableFuture<JobStatus> closed() {
    return closed;
  }
}
