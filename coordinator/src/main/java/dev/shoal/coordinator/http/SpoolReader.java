package dev.shoal.coordinator.http;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * One results stream: reads a {@link SpoolFile} from its start and follows it until the job ends.
 *
 * <p>Guarantees: event-driven, the next read starts when the sink reports new bytes, not on a timer;
 * file reads run on the blocking-I/O executor, never on a stream, actor or sink thread; memory is one read
 * of at most {@value #READ_SIZE} bytes, and a slow client slows only its own reads (the job keeps
 * writing to the file). If nothing new comes for {@code followCheck} and the coordinator no longer
 * knows the job, the stream fails, so the client sees a truncated response instead of waiting
 * forever for a job that is gone.
 */
final class SpoolReader {

  static final int READ_SIZE = 256 * 1024;

  private final SpoolFile file;
  private final Executor io;
  private final Duration followCheck;
  private final Supplier<CompletionStage<Boolean>> jobExists;
  private FileChannel channel;
  private long offset;
  private volatile boolean stopped;

  private SpoolReader(SpoolFile file, Executor io, Duration followCheck, Supplier<CompletionStage<Boolean>> jobExists) {
    this.file = file;
    this.io = io;
    this.followCheck = followCheck;
    this.jobExists = jobExists;
  }

  /** The file's bytes as they come, ending when the job's results are complete. */
  static Source<ByteString, NotUsed> follow(
      SpoolFile file, Executor io, Duration followCheck, Supplier<CompletionStage<Boolean>> jobExists) {
    return Source.unfoldResourceAsync(
        () -> CompletableFuture.completedFuture(new SpoolReader(file, io, followCheck, jobExists)),
        SpoolReader::next,
        SpoolReader::stop);
  }

  /**
   * The next bytes. Only a read leaves the calling thread (for the blocking-I/O executor); finding
   * that there is nothing yet, or nothing more, is answered where it is asked, so a one-line result
   * costs one thread hop on this side.
   */
  private CompletionStage<Optional<ByteString>> next() {
    boolean complete = file.isClosed();
    long available = file.written();
    if (stopped || (complete && offset >= available)) {
      return CompletableFuture.completedFuture(Optional.empty());
    }
    if (offset < available) {
      return CompletableFuture.supplyAsync(() -> Optional.of(read(available)), io);
    }
    return file.awaitBeyond(offset, followCheck).thenCompose(news -> news ? next() : checkJob());
  }

  private CompletionStage<Optional<ByteString>> checkJob() {
    return jobExists.get().thenCompose(exists -> {
      if (exists || file.isClosed()) {
        return next();
      }
      throw new IllegalStateException("job " + file.id() + " is gone before its results were complete");
    });
  }

  private ByteString read(long available) {
    try {
      if (channel == null) {
        channel = FileChannel.open(file.path(), StandardOpenOption.READ);
      }
      byte[] bytes = new byte[(int) Math.min(READ_SIZE, available - offset)];
      ByteBuffer buf = ByteBuffer.wrap(bytes);
      while (buf.hasRemaining()) {
        if (channel.read(buf, offset + buf.position()) < 0) {
          throw new IOException("the file ended at " + (offset + buf.position()) + " bytes, expected " + available);
        }
      }
      offset += bytes.length;
      return ByteString.fromArrayUnsafe(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the results of job " + file.id() + ": " + e.getMessage(), e);
    }
  }

  private CompletionStage<org.apache.pekko.Done> stop() {
    stopped = true;
    return CompletableFuture.supplyAsync(() -> {
      try {
        if (channel != null) {
          channel.close();
        }
      } catch (IOException e) {
        // a read-only channel has nothing to lose on close
      }
      return org.apache.pekko.Done.getInstance();
    }, io);
  }
}
