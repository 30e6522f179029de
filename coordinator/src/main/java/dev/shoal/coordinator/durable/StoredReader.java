package dev.shoal.coordinator.durable;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * One results stream: a {@link StoredJob}'s recorded lines from line {@code from}, following the job
 * until it ends.
 *
 * <p>Guarantees: event-driven (the next read starts when lines are recorded, not on a timer); reads
 * run on the blocking-I/O executor; memory is at most {@value #ROWS} rows. Line {@code from} is the
 * first line sent, so a client that lost its connection asks again from the lines it has. If nothing
 * new comes for {@code followCheck} and the coordinator no longer knows the job, the stream fails,
 * so the client sees a truncated response instead of waiting for a job that is gone.
 */
public final class StoredReader {

  static final int ROWS = 8;

  private final StoredJob job;
  private final Executor io;
  private final Duration followCheck;
  private final Supplier<CompletionStage<Boolean>> jobExists;
  private final ArrayDeque<ByteString> ready = new ArrayDeque<>();
  private long line;
  private volatile boolean stopped;

  private StoredReader(StoredJob job, long from, Executor io, Duration followCheck,
      Supplier<CompletionStage<Boolean>> jobExists) {
    this.job = job;
    this.line = from;
    this.io = io;
    this.followCheck = followCheck;
    this.jobExists = jobExists;
  }

  public static Source<ByteString, NotUsed> follow(StoredJob job, long from, Executor io, Duration followCheck,
      Supplier<CompletionStage<Boolean>> jobExists) {
    return Source.unfoldResourceAsync(
        () -> CompletableFuture.completedFuture(new StoredReader(job, from, io, followCheck, jobExists)),
        StoredReader::next,
        r -> {
          r.stopped = true;
          return CompletableFuture.completedFuture(org.apache.pekko.Done.getInstance());
        });
  }

  private CompletionStage<Optional<ByteString>> next() {
    if (!ready.isEmpty()) {
      return CompletableFuture.completedFuture(Optional.of(ready.poll()));
    }
    boolean complete = job.isClosed();
    long available = job.committedLines();
    if (stopped || (complete && line >= available)) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    if (line < available) {
      return CompletableFuture.supplyAsync(() -> read(available), io).thenCompose(v -> next());
    }
    return job.awaitBeyond(line, followCheck).thenCompose(news -> news ? next() : checkJob());
  }

  private CompletionStage<Optional<ByteString>> checkJob() {
    return jobExists.get().thenCompose(exists -> {
      if (exists || job.isClosed()) {
        return next();
      }
      throw new IllegalStateException("job " + job.id() + " is gone before its results were complete");
    });
  }

  private Void read(long available) {
    java.util.List<ResultStore.Row> rows = job.store().read(job.id(), line, available, ROWS);
    for (ResultStore.Row row : rows) {
      byte[] p = row.payload();
      int start = 0;
      // the row that holds line `line` may begin before it: skip to that line's start
      for (long skip = line - row.firstLine(); skip > 0; skip--) {
        while (p[start] != '\n') {
          start++;
        }
        start++;
      }
      long rowEnd = row.firstLine() + row.lines();
      int end = p.length;
      if (rowEnd > available) {
        // a row written past the recorded lines (the sink runs ahead of the job's count): its lines
        // up to the recorded ones are final; the rest is sent once recorded
        end = start;
        for (long keep = available - Math.max(line, row.firstLine()); keep > 0; keep--) {
          while (p[end] != '\n') {
            end++;
          }
          end++;
        }
        rowEnd = available;
      }
      if (end > start) {
        ready.add(ByteString.fromArray(p, start, end - start));
      }
      line = rowEnd;
      if (line >= available) {
        break;
      }
    }
    if (ready.isEmpty() && line < available) {
      throw new IllegalStateException("the results of job " + job.id() + " lack line " + line + " (recorded: "
          + available + ", rows: " + rows.stream().map(r -> r.firstLine() + "+" + r.lines()).toList() + ")");
    }
    return null;
  }
}
