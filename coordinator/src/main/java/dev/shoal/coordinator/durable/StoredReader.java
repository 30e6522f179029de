package dev.shoal.coordinator.durable;

import dev.shoal.api.ChunkResults;
import dev.shoal.api.JobStatus;
import dev.shoal.api.ResultFrames;
import dev.shoal.coordinator.job.JsonLines;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * One results stream: a {@link StoredJob}'s recorded lines from line {@code from}, following the job
 * until it ends, as the stored {@link ResultFrames} (Shoal's clients) or as JSON Lines (anyone else).
 *
 * <p>Guarantees: event-driven (the next read starts when lines are recorded, not on a timer); reads
 * run on the blocking-I/O executor; memory is a few rows ({@link Format}). Stored frames go out
 * as stored, never decoded, except where a stream begins or stops inside one
 * or the client asks for frames smaller than those stored. Line {@code from} is the
 * first line sent, so a client that lost its connection asks again from the lines it has. If nothing
 * new comes for {@code followCheck} and the coordinator no longer knows the job, the stream fails,
 * so the client sees a truncated response instead of waiting for a job that is gone.
 */
public final class StoredReader {

  /** How a stream sends the stored frames: as they are, or as JSON Lines. */
  public enum Format {
    FRAMES(8),
    // a row of integers is about five times larger as text: fewer rows per read keep memory as small
    JSON_LINES(2);

    final int rows;

    Format(int rows) {
      this.rows = rows;
    }

    /** Frames for a request that accepts them ({@code Accept: application/x-shoal-results}), else JSON Lines. */
    public static Format of(java.util.Optional<String> accept) {
      return accept.filter(a -> a.contains(ResultFrames.MEDIA_TYPE)).isPresent() ? FRAMES : JSON_LINES;
    }
  }

  private static final int TEXT_BYTES = 256 * 1024;

  private final StoredJob job;
  private final Executor io;
  private final Duration followCheck;
  private final Supplier<CompletionStage<Boolean>> jobExists;
  private final Format format;
  private final int frameItems;
  /** The job's final status as JSON for the frame that ends the stream, or null for a stream without one. */
  private final Function<JobStatus, String> endStatus;
  private boolean endSent;
  private final ArrayDeque<ByteString> ready = new ArrayDeque<>();
  private final ByteArrayOutputStream textBytes = new ByteArrayOutputStream();
  private final JsonLines text = new JsonLines(textBytes);
  private long line;
  private volatile boolean stopped;

  private StoredReader(StoredJob job, long from, Format format, int frameItems, Function<JobStatus, String> endStatus,
      Executor io, Duration followCheck, Supplier<CompletionStage<Boolean>> jobExists) {
    this.job = job;
    this.format = format;
    this.frameItems = frameItems;
    this.endStatus = format == Format.FRAMES ? endStatus : null;
    this.line = from;
    this.io = io;
    this.followCheck = followCheck;
    this.jobExists = jobExists;
  }

  /**
   * The stream; {@code frameItems} (1 to {@link ResultFrames#MAX_ITEMS}) is the most items a frame
   * sent holds, so that a client whose connections break every few kilobytes still gets whole frames.
   * With {@code endStatus} (null: none; JSON Lines never have one) the frames end with {@link
   * ResultFrames#encodeEnd one that holds the job's final status}, that function of it as JSON.
   */
  public static Source<ByteString, NotUsed> follow(StoredJob job, long from, Format format, int frameItems,
      Function<JobStatus, String> endStatus, Executor io, Duration followCheck,
      Supplier<CompletionStage<Boolean>> jobExists) {
    if (frameItems < 1 || frameItems > ResultFrames.MAX_ITEMS) {
      throw new IllegalArgumentException("frameItems must be 1 to " + ResultFrames.MAX_ITEMS + ", not " + frameItems);
    }
    return Source.unfoldResourceAsync(
        () -> CompletableFuture.completedFuture(new StoredReader(job, from, format, frameItems, endStatus, io,
            followCheck, jobExists)),
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
      return CompletableFuture.completedFuture(stopped ? Optional.empty() : end());
    }
    if (line < available) {
      return CompletableFuture.supplyAsync(() -> read(available), io).thenCompose(v -> next());
    }
    return job.awaitBeyond(line, followCheck).thenCompose(news -> news ? next() : checkJob());
  }

  /** The frame with the final status, once, if this stream ends with one. */
  private Optional<ByteString> end() {
    JobStatus status = job.finalStatus();
    if (endStatus == null || endSent || status == null) {
      return Optional.empty();
    }
    endSent = true;
    return Optional.of(ByteString.fromArrayUnsafe(ResultFrames.encodeEnd(line, endStatus.apply(status))));
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
    List<ResultStore.Row> rows = job.store().read(job.id(), line, available, format.rows);
    for (ResultStore.Row row : rows) {
      byte[] p = LegacyRows.isLines(row.payload()) ? LegacyRows.toFrames(row.payload()) : row.payload();
      long pos = row.firstLine();
      for (int at = 0; at < p.length && pos < available; ) {
        int length = ResultFrames.frameLength(p, at);
        int count = ResultFrames.count(p, at);
        if (pos + count > line) {
          // a frame that holds line `line` may begin before it, and one written past the recorded
          // lines (the sink runs ahead of the job's count) is sent up to them: the rest once recorded
          int from = (int) Math.max(0, line - pos);
          int to = (int) Math.min(count, available - pos);
          if (from == 0 && to == count) {
            emit(p, at, length, count);
          } else {
            ResultFrames.Frame f = ResultFrames.decode(p, at);
            emit(f.firstIndex() + from, f.results().slice(from, to));
          }
          line = pos + to;
        }
        pos += count;
        at += length;
      }
      if (line >= available) {
        break;
      }
    }
    flushText();
    if (ready.isEmpty() && line < available) {
      throw new IllegalStateException("the results of job " + job.id() + " lack line " + line + " (recorded: "
          + available + ", rows: " + rows.stream().map(r -> r.firstLine() + "+" + r.lines()).toList() + ")");
    }
    return null;
  }

  /** A whole stored frame, sent as it is stored (if it is small enough) or as JSON Lines. */
  private void emit(byte[] p, int at, int length, int count) {
    if (format == Format.FRAMES && count <= frameItems) {
      ready.add(ByteString.fromArray(p, at, length));
    } else {
      ResultFrames.Frame f = ResultFrames.decode(p, at);
      emit(f.firstIndex(), f.results());
    }
  }

  private void emit(long firstIndex, ChunkResults results) {
    if (format == Format.FRAMES) {
      ResultFrames.encode(firstIndex, results, frameItems, frame -> ready.add(ByteString.fromArrayUnsafe(frame)));
      return;
    }
    try {
      text.write(firstIndex, results);
      if (textBytes.size() >= TEXT_BYTES) {
        flushText();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void flushText() {
    if (format == Format.FRAMES) {
      return;
    }
    try {
      text.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (textBytes.size() > 0) {
      ready.add(ByteString.fromArrayUnsafe(textBytes.toByteArray()));
      textBytes.reset();
    }
  }
}
