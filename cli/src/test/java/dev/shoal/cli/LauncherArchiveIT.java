package dev.shoal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./shoal} launcher's start-up archive (AppCDS) never breaks a run: a copy of the
 * launcher beside a copy of the built jar (no sources, so it never rebuilds), run with an archive
 * damaged in the ways a disk or a user damages one. Each run exits 0 with the right output and
 * nothing on stderr but the summary line.
 */
class LauncherArchiveIT {

  @TempDir
  Path repo;

  private Path jsa;

  @BeforeEach
  void copyTheLauncherAndTheJar() throws IOException {
    Path built = Path.of(System.getProperty("shoal.jar"));
    Path target = Files.createDirectories(repo.resolve("cli/target"));
    Files.copy(built.getParent().getParent().getParent().resolve("shoal"), repo.resolve("shoal"));
    repo.resolve("shoal").toFile().setExecutable(true);
    Files.copy(built, target.resolve("shoal.jar"), StandardCopyOption.COPY_ATTRIBUTES);
    Files.createSymbolicLink(target.resolve("lib"), built.getParent().resolve("lib"));
    jsa = target.resolve("shoal.jsa");
  }

  @Test
  void aFirstRunMakesTheArchiveAndASecondUsesIt() throws Exception {
    assertRunsCleanly();
    assertTrue(Files.size(jsa) > 0, "no archive was made");
    assertEquals(String.valueOf(Files.size(jsa)), Files.readString(Path.of(jsa + ".size")).trim());
    assertRunsCleanly();
  }

  @Test
  void aTruncatedArchiveIsReplacedNotHandedToTheJvm() throws Exception {
    assertRunsCleanly();
    byte[] whole = Files.readAllBytes(jsa);
    jsa.toFile().setWritable(true);
    Files.write(jsa, java.util.Arrays.copyOf(whole, 5000));
    assertRunsCleanly();
    // a training run's archive differs in size from run to run: made anew means whole and stamped
    assertTrue(Files.size(jsa) > whole.length / 2, "the truncated archive was not made anew");
    assertEquals(String.valueOf(Files.size(jsa)), Files.readString(Path.of(jsa + ".size")).trim());
  }

  @Test
  void anArchiveOfGarbageWithAMatchingStampIsIgnoredSilently() throws Exception {
    Files.writeString(jsa, "not an archive\n");
    Files.writeString(Path.of(jsa + ".size"), String.valueOf(Files.size(jsa)));
    jsa.toFile().setLastModified(System.currentTimeMillis() + 60_000);
    assertRunsCleanly();
  }

  private void assertRunsCleanly() throws IOException, InterruptedException {
    Path out = Files.createTempFile(repo, "stdout", ".txt");
    Path err = Files.createTempFile(repo, "stderr", ".txt");
    Process p = new ProcessBuilder(repo.resolve("shoal").toString(), "run", "--fn", "square", "--range", "0:3")
        .directory(repo.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("./shoal run did not end within 120 s");
    }
    List<String> stderr = Files.readAllLines(err, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), stderr.toString());
    assertEquals("""
        {"index":0,"value":0}
        {"index":1,"value":1}
        {"index":2,"value":4}
        """, Files.readString(out, StandardCharsets.UTF_8));
    assertEquals(1, stderr.size(), "stderr beyond the summary line: " + stderr);
    assertTrue(stderr.get(0).startsWith("shoal: job ") && stderr.get(0).contains(" SUCCEEDED: "), stderr.get(0));
  }
}
