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
 */
public final class LinesSource implements ItemSource {

  private final BufferedReader reader;
  private final ExecutorService thread;

  public LinesSource(BufferedReader reader) {
    this.reader = reader;
    this.thread = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "shoal-items-reader");
      t.setDaemon(true);
      return t;
    });
  }

  @Override
  public long total() {
    return -1;
  }

  @Override
  public CompletionStage<ItemBatch> next(int max) {
    return CompletableFuture.supplyAsync(() -> {
      List<String> lines = new ArrayList<>(Math.min(max, 4096));
      try {
        String line;
        while (lines.size() < max && (line = reader.readLine()) != null) {
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
