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
    java.io.InputStream bytes = job.resultBytes();
    if (bytes != null) {
      copy(bytes, job.id(), out, live, progress);
      return job.await();
    }
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

  private static final byte[] INDEX = "{\"index\":".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final byte[] ERROR = ",\"error\":".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  /**
   * Writes the coordinator's result lines as they came (they are {@code JsonLines}' bytes already),
   * whole lines at a time, counting items and errors for {@code progress} from each line's head.
   */
  private static void copy(java.io.InputStream in, String id, OutputStream out, boolean live, Progress progress)
      throws IOException {
    byte[] buf = new byte[1 << 16];
    int start = 0;
    int end = 0;
    long items = 0;
    long errors = 0;
    try (in) {
      while (true) {
        if (end == buf.length) {
          if (start > 0) {
            System.arraycopy(buf, start, buf, 0, end - start);
            end -= start;
            start = 0;
          } else {
            buf = java.util.Arrays.copyOf(buf, buf.length * 2);
          }
        }
        int n;
        try {
          n = in.read(buf, end, buf.length - end);
        } catch (IOException e) {
          throw new java.io.UncheckedIOException("the results of job " + id + " broke off: " + e.getMessage(), e);
        }
        if (n < 0) {
          if (end > start) {
            throw new IllegalStateException("the results of job " + id + " end in the middle of a line");
          }
          break;
        }
        int lineStart = start;
        int written = start;
        for (int i = end; i < end + n; i++) {
          if (buf[i] == '\n') {
            items++;
            if (isError(buf, lineStart, i)) {
              errors++;
            }
            lineStart = i + 1;
          }
        }
        end += n;
        if (lineStart > written) {
          out.write(buf, written, lineStart - written);
          start = lineStart;
          if (live) {
            out.flush();
          }
          progress.written(items, errors);
        }
      }
    }
    out.flush();
  }

  /** Whether the line {@code buf[from, to)} is {@code {"index":N,"error":...}} as {@code JsonLines} writes an item's error. */
  private static boolean isError(byte[] buf, int from, int to) {
    int p = from + INDEX.length;
    if (p > to || !java.util.Arrays.equals(buf, from, p, INDEX, 0, INDEX.length)) {
      return false;
    }
    while (p < to && buf[p] >= '0' && buf[p] <= '9') {
      p++;
    }
    return p + ERROR.length <= to && java.util.Arrays.equals(buf, p, p + ERROR.length, ERROR, 0, ERROR.length);
  }

  public static void summary(PrintStream err, JobStatus s) {
    err.println(String.format(Locale.ROOT, "shoal: job %s %s: %d items, %d errors, job time %.3f s, %.0f items/s%s",
        s.id(), s.state(), s.done(), s.errors(), s.jobMillis() / 1000.0, s.itemsPerSecond(),
        s.message() == null ? "" : " (" + s.message() + ")"));
  }
}
