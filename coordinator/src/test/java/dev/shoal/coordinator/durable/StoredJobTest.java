package dev.shoal.coordinator.durable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shoal.coordinator.job.JsonLines;
import dev.shoal.api.ChunkResults;
import dev.shoal.api.ItemError;
import dev.shoal.api.ResultFrames;
import java.nio.charset.StandardCharsets;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How a durable job's results are laid out in the journal database, rows of whole {@link ResultFrames},
 * each about {@link StoredJob#ROW_BYTES} whatever the size of a chunk (a coordinator in 64 MB of heap
 * streams a job of hundred-thousand-item chunks only because no row, and so no reader, holds a whole
 * chunk), and how a reader sends them: as stored, or as the JSON Lines of {@code shoal run}.
 */
class StoredJobTest {

  private final JournalDatabase db = JournalDatabase.open(
      "jdbc:h2:mem:stored-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "");
  private final ResultRows store = new ResultRows(db);

  @AfterEach
  void close() {
    db.close();
  }

  @Test
  void aReadBeginsAtTheRowHoldingItsFirstLineAndTakesAtMostTheRowsAskedFor() {
    assertSeeks(store);
  }

  /** What {@link ResultStore#read} answers, whatever keeps the rows. */
  static void assertSeeks(ResultStore store) {
    byte[] none = new byte[0];
    store.append("seek", 0, 5, none);
    store.append("seek", 5, 5, none);
    store.append("seek", 10, 2, none);
    store.append("other", 0, 100, none);

    assertEquals(List.of(5L, 10L), firstLines(store.read("seek", 7, 12, 10)), "from inside a row: that row on");
    assertEquals(List.of(0L, 5L), firstLines(store.read("seek", 0, 6, 10)), "rows beginning at the end bound are left out");
    assertEquals(List.of(5L), firstLines(store.read("seek", 5, 12, 1)), "at most the rows asked for");
    assertEquals(List.of(10L), firstLines(store.read("seek", 11, Long.MAX_VALUE, 10)), "the last row");
    assertEquals(List.of(), firstLines(store.read("seek", 0, 0, 10)), "nothing before line 0");
    assertEquals(List.of(), firstLines(store.read("none", 0, 10, 10)), "a job without rows");
  }

  @Test
  void aReadSeeksTheIndexInsteadOfScanningTheJobsEarlierRows() throws Exception {
    byte[] none = new byte[0];
    for (int i = 0; i < 3_000; i++) {
      store.append("long", i, 1, none);
    }
    // H2 scanned every earlier row for a MAX, or for an order on first_line alone, once per read
    String plan;
    try (java.sql.Connection c = db.connection();
        java.sql.PreparedStatement st = c.prepareStatement("EXPLAIN ANALYZE " + ResultRows.READ)) {
      st.setString(1, "long");
      st.setString(2, "long");
      st.setLong(3, 2_990);
      st.setLong(4, 3_000);
      st.setInt(5, 4);
      try (java.sql.ResultSet rs = st.executeQuery()) {
        rs.next();
        plan = rs.getString(1);
      }
    }
    java.util.regex.Matcher scans = java.util.regex.Pattern.compile("scanCount: (\\d+)").matcher(plan);
    int seen = 0;
    while (scans.find()) {
      seen++;
      assertTrue(Integer.parseInt(scans.group(1)) <= 5, "a seek, not a scan:\n" + plan);
    }
    assertTrue(seen >= 2, "the plan counts the read and its seek for the first row:\n" + plan);
    assertEquals(List.of(2990L, 2991L, 2992L, 2993L), firstLines(store.read("long", 2_990, 3_000, 4)));
  }

  static List<Long> firstLines(List<ResultStore.Row> rows) {
    return rows.stream().map(ResultStore.Row::firstLine).toList();
  }

  @Test
  void aLargeChunkIsStoredAsRowsOfWholeFramesThatTogetherAreItsResults() throws IOException {
    StoredJob job = new StoredJob("big", store, n -> {});
    ChunkResults big = squares(0, 100_000);
    ChunkResults small = squares(100_000, 3);
    job.write(0, big);
    job.write(100_000, small);
    job.flush();

    List<ResultStore.Row> rows = store.read("big", 0, Long.MAX_VALUE, Integer.MAX_VALUE);
    assertTrue(rows.size() >= 3, "an 800 kB chunk is cut into rows: " + rows.size());
    List<long[]> values = new java.util.ArrayList<>();
    long next = 0;
    for (ResultStore.Row row : rows) {
      assertEquals(next, row.firstLine(), "rows follow each other");
      int frameBytes = ResultFrames.MAX_ITEMS * 8 + 64;
      assertTrue(row.payload().length <= StoredJob.ROW_BYTES + frameBytes, "a row is about ROW_BYTES: " + row.payload().length);
      long inRow = 0;
      for (int at = 0; at < row.payload().length; at += ResultFrames.frameLength(row.payload(), at)) {
        ResultFrames.Frame f = ResultFrames.decode(row.payload(), at);
        assertEquals(next + inRow, f.firstIndex(), "a frame begins where the one before it ended");
        assertTrue(f.results().size() <= ResultFrames.MAX_ITEMS);
        inRow += f.results().size();
        values.add(f.results().longs());
      }
      assertEquals(row.lines(), inRow, "a row's line count is the items of its frames");
      next += row.lines();
    }
    assertEquals(100_003, next);
    long[] all = values.stream().flatMapToLong(java.util.Arrays::stream).toArray();
    for (int i = 0; i < all.length; i++) {
      assertEquals((long) i * i, all[i], "item " + i);
    }
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
    for (StoredReader.Format format : StoredReader.Format.values()) {
      StoredJob job = new StoredJob("ahead-" + format, store, n -> {});
      job.write(0, squares(0, 5));
      job.flush();
      job.committed(3);
      byte[] read = follow(job, 0, format, () -> {
        // the first three lines came while only they were recorded: record the rest and end
        job.committed(5);
        job.close(null);
      });
      assertEquals(formatted(List.of(squares(0, 5)), new long[] {0}), asText(read, format), "each line once, in order");
    }
  }

  @Test
  void aReaderFromALineInsideAFrameBeginsAtThatLineInEitherFormat() throws Exception {
    StoredJob job = new StoredJob("inside", store, n -> {});
    ChunkResults mixed = new ChunkResults(null, List.of("\"a\"", "{\"b\":[1,2]}", "3.5", "null"),
        List.of(new ItemError(1, "ValueError", "bad \"b\"\nat line 2")));
    job.write(10, mixed);
    job.flush();
    job.committed(4);
    job.close(null);
    for (StoredReader.Format format : StoredReader.Format.values()) {
      byte[] read = follow(job, 1, format, () -> {});
      assertEquals(formatted(List.of(mixed.slice(1, 4)), new long[] {11}), asText(read, format), format.name());
    }
  }

  @Test
  void aReaderAskedForSmallFramesCutsTheStoredOnesIntoFramesOfAtMostThatManyItems() throws Exception {
    StoredJob job = new StoredJob("small-frames", store, n -> {});
    job.write(0, squares(0, 10));
    job.flush();
    job.committed(10);
    job.close(null);
    List<ResultFrames.Frame> frames = ResultFrames.readAll(
        new java.io.ByteArrayInputStream(follow(job, 4, StoredReader.Format.FRAMES, 4, () -> {})));
    assertEquals(List.of(4L, 8L), frames.stream().map(ResultFrames.Frame::firstIndex).toList());
    assertEquals(List.of(squares(0, 10).slice(4, 8), squares(0, 10).slice(8, 10)),
        frames.stream().map(ResultFrames.Frame::results).toList());
    assertEquals(10, ResultFrames.readAll(new java.io.ByteArrayInputStream(
        follow(job, 0, StoredReader.Format.FRAMES, 1, () -> {}))).size(), "one item a frame");
    assertThrows(IllegalArgumentException.class, () -> follow(job, 0, StoredReader.Format.FRAMES, 0, () -> {}));
  }

  @Test
  void aRowOfJsonLinesFromAnEarlierShoalIsReadInEitherFormat() throws Exception {
    ChunkResults longs = new ChunkResults(new long[] {4, 0, -9}, null, List.of(new ItemError(1, "T", "m")));
    ChunkResults texts = new ChunkResults(null, List.of("1.0", "\"x\""), List.of());
    store.append("old", 0, 3, formatted(List.of(longs), new long[] {0}).getBytes(StandardCharsets.UTF_8));
    store.append("old", 3, 2, formatted(List.of(texts), new long[] {3}).getBytes(StandardCharsets.UTF_8));
    StoredJob job = StoredJob.ended("old", store, null, 5);
    String expected = formatted(List.of(longs, texts), new long[] {0, 3});
    for (StoredReader.Format format : StoredReader.Format.values()) {
      assertEquals(expected, asText(follow(job, 0, format, () -> {}), format), format.name());
    }
    List<ResultFrames.Frame> frames = ResultFrames.readAll(
        new java.io.ByteArrayInputStream(follow(job, 0, StoredReader.Format.FRAMES, () -> {})));
    assertEquals(longs, frames.get(0).results(), "integers come back as longs");
    assertEquals(texts, frames.get(1).results(), "other values as their JSON text");
  }

  /** The whole stream of {@code job} from line {@code from}; {@code first} runs when the first bytes come. */
  private static byte[] follow(StoredJob job, long from, StoredReader.Format format, Runnable first) throws Exception {
    return follow(job, from, format, ResultFrames.MAX_ITEMS, first);
  }

  /** The same in frames of at most {@code frameItems} items. */
  private static byte[] follow(StoredJob job, long from, StoredReader.Format format, int frameItems, Runnable first)
      throws Exception {
    org.apache.pekko.actor.typed.ActorSystem<Void> system = org.apache.pekko.actor.typed.ActorSystem.create(
        org.apache.pekko.actor.typed.javadsl.Behaviors.empty(), "stored-reader-test");
    try {
      return StoredReader.follow(job, from, format, frameItems, null, Runnable::run, java.time.Duration.ofSeconds(30),
              () -> java.util.concurrent.CompletableFuture.completedFuture(true))
          .runFold(org.apache.pekko.util.ByteString.emptyByteString(), (all, bytes) -> {
            if (all.isEmpty()) {
              first.run();
            }
            return all.concat(bytes);
          }, system)
          .toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS).toArray();
    } finally {
      system.terminate();
    }
  }

  /** A stream's bytes as JSON Lines: as they are, or frames formatted. */
  private static String asText(byte[] read, StoredReader.Format format) throws IOException {
    if (format == StoredReader.Format.JSON_LINES) {
      return new String(read, StandardCharsets.UTF_8);
    }
    List<ResultFrames.Frame> frames = ResultFrames.readAll(new java.io.ByteArrayInputStream(read));
    return formatted(frames.stream().map(ResultFrames.Frame::results).toList(),
        frames.stream().mapToLong(ResultFrames.Frame::firstIndex).toArray());
  }

  static ChunkResults squares(long first, int n) {
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
