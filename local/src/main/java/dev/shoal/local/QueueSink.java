package dev.shoal.local;

import dev.shoal.api.JobStatus;
import dev.shoal.client.ResultChunk;
import dev.shoal.coordinator.job.ResultSink;
import dev.shoal.api.ChunkResults;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Hands a local job's results to the thread that reads them through a small bounded queue: when the
 * reader falls behind, the sink blocks, the job's window fills and dispatch pauses, so memory stays
 * flat however large the job. Once {@link #abandon()}ed (the job was cancelled) it drops whatever
 * comes, so a job nobody reads can still end.
 */
final class QueueSink implements ResultSink {

  private record End(JobStatus status) {}

  private final BlockingQueue<Object> queue = new ArrayBlockingQueue<>(16);
  private final CompletableFuture<JobStatus> ended = new CompletableFuture<>();
  private volatile boolean abandoned;

  @Override
  public void write(long firstIndex, ChunkResults results) {
    put(new ResultChunk(firstIndex, results));
  }

  @Override
  public void close(JobStatus status) {
    put(new End(status));
    ended.complete(status);
  }

  void abandon() {
    abandoned = true;
    queue.clear();
  }

  CompletableFuture<JobStatus> ended() {
    return ended;
  }

  private void put(Object o) {
    try {
      while (!abandoned) {
        if (queue.offer(o, 100, TimeUnit.MILLISECONDS)) {
          return;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  Iterator<ResultChunk> iterator() {
    return new Iterator<>() {
      private Object next;
      private boolean done;

      @Override
      public boolean hasNext() {
        if (done) {
          return false;
        }
        if (next == null) {
          try {
            next = queue.take();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for results", e);
          }
        }
        if (next instanceof End) {
          done = true;
          return false;
        }
        return true;
      }

      @Override
      public ResultChunk next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        ResultChunk c = (ResultChunk) next;
        next = null;
        return c;
      }
    };
  }
}
