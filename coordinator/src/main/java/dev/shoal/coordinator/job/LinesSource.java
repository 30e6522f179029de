package dev.shoal.coordinator.job;

import dev.shoal.protocol.ItemBatch;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * JSON Lines from a reader (a file or stdin), one item per non-blank line, read on a thread of its
 * own so that a slow pipe never blocks an actor. Lines are passed on as text; a line that is not JSON
 * becomes that item's {@code InvalidItem} error on the worker, and the job goes on.
 *
 * <p>A batch holds what can be read without waiting once its first line is in: from a slow pipe
 * or upload the job gets what has arrived rather than waiting for a whole chunk.
 *
 * <p>Guarantees: a line is never held beyond {@code maxLineChars} characters: a longer one fails the
 * read (and so its job) naming the line and {@code max-item-bytes}, before the rest of it is read,
 * so a file without line breaks cannot exhaust memory.
 */
public final class LinesSource implements ItemSource {

  private final BufferedReader reader;
  private final ExecutorService thread;
  private final int maxLineChars;
  private final long total;
  private final char[] buffer = new char[1 << 16];
  private int pos;
  private int limit;
  private long lineNr;

  /** Lines within the default {@code max-item-bytes}. */
  public LinesSource(BufferedReader reader) {
    this(reader, JobLimits.defaults().maxItemBytes());
  }

  public LinesSource(BufferedReader reader, int maxLineChars) {
    this(reader, maxLineChars, -1);
  }

  /** Lines already counted (stored items): {@link #total()} is {@code total}. */
  public LinesSource(BufferedReader reader, int maxLineChars, long total) {
    this.total = total;
    this.reader = reader;
    this.maxLineChars = maxLineChars;
    this.thread = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "shoal-items-reader");
      t.setDaemon(true);
      return t;
    });
  }

  @Override
  public long total() {
    return total;
  }

  @Override
  public CompletionStage<ItemBatch> next(int max) {
    return CompletableFuture.supplyAsync(() -> {
      List<String> lines = new ArrayList<>(Math.min(max, 4096));
      try {
        String line;
        while (lines.size() < max && (lines.isEmpty() || more()) && (line = readLine()) != null) {
          if (!line.isBlank()) {
            lines.add(line);
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot read items: " + e.getMessage(), e);
      }
      return ItemBatch.json(lines);
    }, thread);
  }

  /**
   * Whether more can be read without waiting: a batch already begun is handed on rather than held
   * while a pipe or an upload is slow, so the job computes what has come while the rest arrives.
   */
  private boolean more() throws IOException {
    return pos < limit || reader.ready();
  }

  /** The next line without its line break, or null at the end; never longer than {@code maxLineChars}. */
  private String readLine() throws IOException {
    StringBuilder line = null;
    while (true) {
      if (pos == limit) {
        limit = reader.read(buffer, 0, buffer.length);
        pos = 0;
        if (limit <= 0) {
          limit = 0;
          return line == null ? null : line.toString();
        }
      }
      int start = pos;
      while (pos < limit && buffer[pos] != '\n') {
        pos++;
      }
      int length = (line == null ? 0 : line.length()) + (pos - start);
      if (length > maxLineChars) {
        throw new IllegalArgumentException("line " + (lineNr + 1) + " is longer than " + JobLimits.PATH
            + ".max-item-bytes (" + maxLineChars + ")");
      }
      if (line == null) {
        line = new StringBuilder(Math.min(length + 16, maxLineChars));
      }
      line.append(buffer, start, pos - start);
      if (pos < limit) {
        pos++;
        lineNr++;
        int end = line.length();
        if (end > 0 && line.charAt(end - 1) == '\r') {
          line.setLength(end - 1);
        }
        return line.toString();
      }
    }
  }

  @Override
  public boolean inMemory() {
    return false;
  }

  @Override
  public void close() {
    thread.shutdownNow();
    try {
      reader.close();
    } catch (IOException ignored) {
      // the job is over; nothing is lost by a reader that will not close
    }
  }
}
