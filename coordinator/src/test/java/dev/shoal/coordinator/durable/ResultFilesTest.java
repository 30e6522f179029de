package dev.shoal.coordinator.durable;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The results of an embedded journal's jobs in files: read as rows are, found again by a coordinator
 * started on the same folder, and never read past the last whole row of a coordinator killed while
 * writing one.
 */
class ResultFilesTest {

  @TempDir
  Path folder;

  private final JournalDatabase db = JournalDatabase.open(
      "jdbc:h2:mem:files-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1", "sa", "");
  private final ResultRows rows = new ResultRows(db);

  @AfterEach
  void close() {
    db.close();
  }

  private ResultFiles files() {
    return new ResultFiles(folder, rows);
  }

  @Test
  void aReadBeginsAtTheRowHoldingItsFirstLineAndTakesAtMostTheRowsAskedFor() {
    StoredJobTest.assertSeeks(files());
  }

  @Test
  void aCoordinatorStartedOnTheSameFolderReadsTheRowsAsWritten() {
    ResultFiles before = files();
    before.append("job", 0, 2, bytes("ab"));
    before.append("job", 2, 3, bytes("cde"));
    before.ended("job");

    List<ResultStore.Row> read = files().read("job", 0, Long.MAX_VALUE, 10);
    assertEquals(List.of(0L, 2L), StoredJobTest.firstLines(read));
    assertEquals(List.of(2, 3), read.stream().map(ResultStore.Row::lines).toList());
    assertArrayEquals(bytes("cde"), read.get(1).payload());
    assertTrue(rows.read("job", 0, Long.MAX_VALUE, 10).isEmpty(), "nothing in the journal database");
  }

  @Test
  void aTornLastRowIsNeverReadAndTheNextWriteReplacesIt() throws IOException {
    ResultFiles before = files();
    before.append("torn", 0, 1, bytes("a"));
    before.append("torn", 1, 1, bytes("bbbbbbbb"));
    before.ended("torn");
    Path file = before.pathOf("torn");
    long whole = Files.size(file);
    // the coordinator died inside the second row's payload
    try (var c = java.nio.channels.FileChannel.open(file, StandardOpenOption.WRITE)) {
      c.truncate(whole - 3);
    }

    ResultFiles after = files();
    assertEquals(List.of(0L), StoredJobTest.firstLines(after.read("torn", 0, Long.MAX_VALUE, 10)), "the whole row only");
    after.append("torn", 1, 2, bytes("xy"));
    assertEquals(List.of(0L, 1L), StoredJobTest.firstLines(files().read("torn", 0, Long.MAX_VALUE, 10)));
    assertArrayEquals(bytes("xy"), files().read("torn", 1, Long.MAX_VALUE, 10).get(0).payload());
    assertEquals(ResultFiles.HEADER * 2 + 3, Files.size(file), "no byte of the torn row is left");
  }

  @Test
  void aRecoveredJobCutsTheRowsItsLedgerNeverRecordedAndGoesOnFromThere() throws IOException {
    ResultFiles before = files();
    StoredJob job = new StoredJob("cut", before, n -> {});
    job.write(0, StoredJobTest.squares(0, 20_000));
    job.flush();
    job.write(20_000, StoredJobTest.squares(20_000, 20_000));
    job.flush();

    ResultFiles after = files();
    StoredJob recovered = new StoredJob("cut", after, n -> {});
    recovered.resume(20_000);
    recovered.write(20_000, StoredJobTest.squares(20_000, 5));
    recovered.flush();

    List<ResultStore.Row> read = files().read("cut", 0, Long.MAX_VALUE, Integer.MAX_VALUE);
    assertEquals(20_005, read.stream().mapToLong(ResultStore.Row::lines).sum());
    assertEquals(20_000, read.get(read.size() - 1).firstLine());
  }

  @Test
  void aForgottenJobsFileIsDeleted() {
    ResultFiles files = files();
    files.append("old", 0, 1, bytes("a"));
    assertTrue(Files.exists(files.pathOf("old")));
    files.forget("old");
    assertFalse(Files.exists(files.pathOf("old")));
    assertTrue(files.read("old", 0, 10, 10).isEmpty());
  }

  @Test
  void aJobBegunWithItsResultsInTheJournalDatabaseIsReadAndContinuedThere() {
    rows.append("earlier", 0, 2, bytes("ab"));
    ResultFiles files = files();
    files.append("earlier", 2, 1, bytes("c"));
    assertEquals(List.of(0L, 2L), StoredJobTest.firstLines(files.read("earlier", 0, Long.MAX_VALUE, 10)));
    assertFalse(Files.exists(files.pathOf("earlier")), "no file for it");
    files.forget("earlier");
    assertTrue(rows.read("earlier", 0, Long.MAX_VALUE, 10).isEmpty());
  }

  @Test
  void aJobWithItsResultsInTheJournalDatabaseThatARestartedCoordinatorNeverReadIsForgottenThere() {
    rows.append("untouched", 0, 2, bytes("ab"));
    files().forget("untouched");
    assertTrue(rows.read("untouched", 0, Long.MAX_VALUE, 10).isEmpty(), "its rows are deleted");
  }

  @Test
  void aJobIdThatIsNoSafeFileNameIsHashed() {
    assertEquals("abc-12_x.results", ResultFiles.fileName("abc-12_x"));
    String odd = ResultFiles.fileName("../../etc/passwd");
    assertTrue(odd.matches("sha256-[0-9a-f]{64}\\.results"), odd);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
