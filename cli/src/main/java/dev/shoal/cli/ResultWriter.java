package dev.shoal.cli;

import dev.shoal.client.JobHandle;
import dev.shoal.client.ResultChunk;
import dev.shoal.api.JobStatus;
import dev.shoal.coordinator.job.JsonLines;
import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.function.LongConsumer;

/** Writes a job's results as JSON Lines to a file or stdout and prints the one-line summary. */
public final class ResultWriter {

  private ResultWriter() {}

  /** Opens the output early, so that an unwritable --out is a usage error before any work is done. */
  public static OutputStream open(Path out) {
    if (out == null) {
      // closing flushes but leaves stdout open: whoever runs the command in-process still needs it
      return new BufferedOutputStream(new FileOutputStream(java.io.FileDescriptor.out), 1 << 20) {
        @Override
        public void close() throws IOException {
          flush();
        }
      };
    }
    try {
      Path parent = out.toAbsolutePath().getParent();
      if (parent != null && !Files.isDirectory(parent)) {
        throw new UsageException("cannot write --out file '" + out + "': no such directory " + parent);
      }
      return new BufferedOutputStream(Files.newOutputStream(out), 1 << 20);
    } catch (IOException e) {
      throw new UsageException("cannot write --out file '" + out + "': " + e.getMessage());
    }
  }

  /** Hears how far the writing has got: items written so far, and how many of them are errors. */
  @FunctionalInterface
  public interface Progress {
    void written(long items, long errors);
  }

  /** Streams every result to {@code out} as it arrives; {@code progress} hears the items written so far. */
  public static JobStatus write(JobHandle job, OutputStream out, LongConsumer progress) throws IOException {
    return write(job, out, false, (items, errors) -> progress.accept(items));
  }

  /**
   * Streams every result to {@code out} as it arrives; {@code progress} hears the items and errors
   * written so far. {@code live} flushes after every chunk, so that whoever reads the output sees
   * each result as it comes: for results that arrive over the network, where a chunk is one read.
   */
  public static JobStatus write(JobHandle job, OutputStream out, boolean live, Progress progress) throws IOException {
    JsonLines lines = new JsonLines(out);
    long written = 0;
    long errors = 0;
    for (Iterator<ResultChunk> it = job.chunks(); it.hasNext(); ) {
      ResultChunk c = it.next();
      lines.write(c.firstIndex(), c.results());
      written += c.results().size();
      errors += c.results().errorCount();
      if (live) {
        lines.flush();
      }
      progress.written(written, errors);
    }
    lines.flush();
    return job.await();
  }

  public static void summary(PrintStream err, JobStatus s) {
    err.println(String.format(Locale.ROOT, "shoal: job %s %s: %d items, %d errors, job time %.3f s, %.0f items/s%s",
        s.id(), s.state(), s.done(), s.errors(), s.jobMillis() / 1000.0, s.itemsPerSecond(),
        s.message() == null ? "" : " (" + s.message() + ")"));
  }
}
