package dev.shoal.coordinator.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shoal.coordinator.job.JobState;
import dev.shoal.coordinator.job.JobStatus;
import dev.shoal.protocol.ChunkResults;
import dev.shoal.protocol.ItemError;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The results files on their own: what readers are told, and which files are kept. */
class SpoolTest {

  private static final Duration LONG = Duration.ofMinutes(1);

  @TempDir
  Path dir;

  @Test
  void aWriteWakesTheReadersAndCountsOnlyWholeChunks() throws Exception {
    Spool spool = Spool.open(dir, 10);
    SpoolFile file = (SpoolFile) spool.sinkFor("job1");
    assertSame(file, spool.find("job1").orElseThrow());
    CompletableFuture<Boolean> waiting = file.awaitBeyond(0, LONG);
    assertFalse(waiting.isDone());

    file.write(0, new ChunkResults(new long[] {7, 0}, null, List.of(new ItemError(1, "Boom", "it \"failed\""))));
    assertTrue(waiting.get(10, TimeUnit.SECONDS));
    String expected = "{\"index\":0,\"value\":7}\n{\"index\":1,\"error\":{\"type\":\"Boom\",\"message\":\"it \\\"failed\\\"\"}}\n";
    assertEquals(expected, Files.readString(file.path()));
    assertEquals(expected.getBytes(StandardCharsets.UTF_8).length, file.written());
    assertTrue(file.awaitBeyond(file.written() - 1, LONG).isDone(), "bytes beyond the offset are there already");
    assertFalse(file.isClosed());
    assertNull(file.finalStatus());
  }

  @Test
  void theEndOfTheJobWakesTheReadersAndKeepsItsStatus() throws Exception {
    SpoolFile file = (SpoolFile) Spool.open(dir, 10).sinkFor("job2");
    CompletableFuture<Boolean> waiting = file.awaitBeyond(0, LONG);
    JobStatus status = status("job2");
    file.close(status);
    assertTrue(waiting.get(10, TimeUnit.SECONDS));
    assertTrue(file.isClosed());
    assertSame(status, file.finalStatus());
    assertEquals("", Files.readString(file.path()), "a job without results still has its (empty) file");
  }

  @Test
  void aReaderThatHearsNothingIsToldSoAfterItsPatience() throws Exception {
    SpoolFile file = (SpoolFile) Spool.open(dir, 10).sinkFor("job3");
    assertFalse(file.awaitBeyond(0, Duration.ofMillis(1)).get(10, TimeUnit.SECONDS));
  }

  @Test
  void filesOfJobsBeyondTheHistoryAreDeleted() throws Exception {
    Spool spool = Spool.open(dir, 2);
    SpoolFile[] files = new SpoolFile[3];
    for (int i = 0; i < 3; i++) {
      files[i] = (SpoolFile) spool.sinkFor("job" + i);
      files[i].write(0, new ChunkResults(new long[] {i}, null, List.of()));
    }
    for (int i = 0; i < 3; i++) {
      files[i].close(status("job" + i));
    }
    assertFalse(Files.exists(files[0].path()));
    assertTrue(spool.find("job0").isEmpty());
    assertTrue(Files.exists(files[1].path()) && Files.exists(files[2].path()));
    assertTrue(spool.find("job2").isPresent());
  }

  private static JobStatus status(String id) {
    return new JobStatus(id, "echo", JobState.SUCCEEDED, 0, 0, 0, 1, 1, 2, 1, 0, true, null, 0, 1, 0);
  }
}
