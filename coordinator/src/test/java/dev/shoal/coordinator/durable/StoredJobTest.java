package dev.shoal.coordinator.durable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shoal.coordinator.job.JsonLines;
import dev.shoal.api.ChunkResults;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How a durable job's results are laid out in the journal database: rows of whole lines, each about
 * {@link StoredJob#ROW_BYTES}, whatever the size of a chunk. A coordinator in 64 MB of heap streams a
 * job of hundred-thousand-item chunks only because no row (and so no reader) holds a chunk's text.
 */
class StoredJobTest {

  private final JournalDatabase db = JournalDatabase.open(
      "jdbc:h2:mem:stored-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "");
  private final ResultStore store = new ResultStore(db);

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void aLargeChunkIsStoredAsRowsOfWholeLinesThatTogetherAreItsLines() throws IOException {
    StoredJob job = new StoredJob("big", store, n -> {});
    ChunkResults big = squares(0, 100_000);
    ChunkResults small = squares(100_000, 3);
    job.write(0, big);
    job.write(100_000, small);
    job.flush();

    List<ResultStore.Row> rows = store.read("big", 0, Long.MAX_VALUE, Integer.MAX_VALUE);
    assertTrue(rows.size() > 10, "a 3.8 MB chunk is cut into rows: " + rows.size());
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    long next = 0;
    for (ResultStore.Row row : rows) {
      assertEquals(next, row.firstLine(), "rows follow each other");
      // the formatter hands over 64 KiB at a time
      assertTrue(row.payload().length <= StoredJob.ROW_BYTES + (1 << 16), "a row is about ROW_BYTES: " + row.payload().length);
      assertEquals('\n', row.payload()[row.payload().length - 1], "a row ends at a line end");
      assertEquals(row.lines(), new String(row.payload()).lines().count(), "a row's line count is its lines");
      all.write(row.payload());
      next += row.lines();
    }
    assertEquals(100_003, next);
    assertEquals(formatted(List.of(big, small), new long[] {0, 100_000}), all.toString());
  }

  @Test
  void aFlushEndsARowSoWhatTheLedgerRecordedNeverSharesARowWithWhatItDidNot() throws IOException {
    StoredJob job = new StoredJob("cut", store, n -> {});
    job.write(0, squares(0, 20_000));
    job.flush();
    // a batch written but never recorded: a restart keeps the first 20,000 lines only
    job.write(20_000, squares(20_000, 20_000));
    job.flush();

    StoredJob recovered = new StoredJob("cut", store, n -> {});
    recovered.resume(20_000);
    recovered.write(20_000, squares(20_000, 5));
    recovered.flush();

    List<ResultStore.Row> rows = store.read("cut", 0, Long.MAX_VALUE, Integer.MAX_VALUE);
    long lines = rows.stream().mapToLong(ResultStore.Row::lines).sum();
    assertEquals(20_005, lines, "the unrecorded rows went, the recovered write follows the recorded lines");
    assertEquals(20_000, rows.get(rows.size() - 1).firstLine());
  }

  @Test
  void aReaderSendsTheRecordedLinesOfARowWrittenBeyondThemAndTheRestOnceRecorded() throws Exception {
    StoredJob job = new StoredJob("ahead", store, n -> {});
    job.write(0, squares(0, 5));
    job.flush();
    job.committed(3);
    org.apache.pekko.actor.typed.ActorSystem<Void> system = org.apache.pekko.actor.typed.ActorSystem.create(
        org.apache.pekko.actor.typed.javadsl.Behaviors.empty(), "stored-reader-test");
    try {
      java.util.concurrent.CompletionStage<String> read = StoredReader.follow(job, 0, Runnable::run,
              java.time.Duration.ofSeconds(30), () -> java.util.concurrent.CompletableFuture.completedFuture(true))
          .runFold("", (text, bytes) -> {
            if (text.isEmpty()) {
              // the first three lines came while only they were recorded: record the rest and end
              job.committed(5);
              job.close(null);
            }
            return text + bytes.utf8String();
          }, system);
      String text = read.toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
      assertEquals(formatted(List.of(squares(0, 5)), new long[] {0}), text, "each line once, in order");
    } finally {
      system.terminate();
    }
  }

  private static ChunkResults squares(long first, int n) {
    long[] v = new long[n];
    for (int i = 0; i < n; i++) {
      v[i] = (first + i) * (first + i);
    }
    return new ChunkResults(v, null, List.of());
  }

  private static String formatted(List<ChunkResults> chunks, long[] firsts) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    JsonLines lines = new JsonLines(out);
    for (int i = 0; i < chunks.size(); i++) {
      lines.write(firsts[i], chunks.get(i));
    }
    lines.flush();
    return out.toString();
  }
}
