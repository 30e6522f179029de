package dev.shoal.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedWriter;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A file of items of any size handed to a cluster with the command used locally: {@code shoal
 * submit --items} streams it up while results come back, with a client and a coordinator of 256 MB
 * heap each that exit on their first OutOfMemoryError, and writes the very bytes {@code shoal run}
 * writes for the same file, a malformed line included as that item's error.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StreamedInputIT {

  /** Three million lines, about 100 MB: more than the 64 MB a single request may carry. */
  private static final int LINES = 3_000_000;
  private static final int MALFORMED = 1_234_567;
  private static final List<String> SMALL_HEAP = List.of("-Xmx256m", "-XX:+ExitOnOutOfMemoryError");

  private Cluster c;
  private Path work;
  private Path items;
  private Path spool;

  @BeforeAll
  void start() throws Exception {
    work = Files.createDirectories(Path.of("target", "it-work", "streamed-" + System.currentTimeMillis()));
    spool = Files.createDirectories(work.resolve("spool")).toAbsolutePath();
    List<String> coordinator = new ArrayList<>(SMALL_HEAP);
    coordinator.add("-Dshoal.coordinator.spool-dir=" + spool);
    c = new Cluster("streamed", false, null, coordinator, List.of());
    c.startWorker(2);
    c.startWorker(2);
    items = work.resolve("items.jsonl");
    try (BufferedWriter w = Files.newBufferedWriter(items, StandardCharsets.UTF_8)) {
      for (int i = 0; i < LINES; i++) {
        w.write(i == MALFORMED ? "{not json" : "{\"id\":" + i + ",\"path\":\"/data/part-" + (i % 977) + "\"}");
        w.write('\n');
      }
    }
    assertTrue(Files.size(items) > 64L << 20, "the file is larger than one request may be");
    c.awaitWorkers(2);
  }

  @AfterAll
  void stop() throws Exception {
    c.close();
    // the big files go; the clients' stderr stays for whoever reads a failure
    try (var files = Files.list(work)) {
      files.filter(f -> f.toString().endsWith(".jsonl")).forEach(f -> f.toFile().delete());
    }
  }

  @Test
  void aFileOfMillionsOfLinesGivesTheBytesOfShoalRunThroughSmallHeaps() throws Exception {
    Path local = work.resolve("run.jsonl");
    Ran run = shoal(List.of(), "run", "--fn", "echo", "--items", items.toString(), "--out", local.toString());
    assertEquals(3, run.exit, "one item failed, so shoal run exits 3: " + run.err);

    Path remote = work.resolve("submit.jsonl");
    Ran submit = shoal(SMALL_HEAP, "submit", "--coordinator", c.url(""), "--fn", "echo", "--no-progress",
        "--items", items.toString(), "--out", remote.toString());
    assertEquals(3, submit.exit, submit.err);
    assertTrue(submit.err.contains("COMPLETED_WITH_ERRORS: " + LINES + " items, 1 errors"), submit.err);
    assertEquals(sha256(local), sha256(remote), "the same bytes as shoal run");
    String bad = Files.readAllLines(remote).get(MALFORMED);
    assertTrue(bad.startsWith("{\"index\":" + MALFORMED + ",\"error\":{\"type\":\"InvalidItem\""), bad);
    assertTrue(c.coordinator.process.isAlive(), "the coordinator never ran out of heap:\n" + c.coordinator.logText());
  }

  @Test
  void itemsFromStdinStartComputingBeforeTheirEnd() throws Exception {
    Path out = work.resolve("stdin.jsonl");
    Process p = start(List.of(), "submit", "--coordinator", c.url(""), "--fn", "square", "--no-progress",
        "--items", "-", "--out", out.toString());
    try (BufferedWriter in = new BufferedWriter(new OutputStreamWriter(p.getOutputStream(), StandardCharsets.UTF_8))) {
      for (int i = 0; i < 1000; i++) {
        in.write(i + "\n");
      }
      in.flush();
      // the first results are written while stdin is still open: the job did not wait for the end
      awaitLines(out, 1000, p);
      for (int i = 1000; i < 5000; i++) {
        in.write(i + "\n");
      }
    }
    assertTrue(p.waitFor(2, TimeUnit.MINUTES), "shoal submit ends when its input and the job have");
    assertEquals(0, p.exitValue(), Files.readString(work.resolve("err-" + p.pid())));
    List<String> lines = Files.readAllLines(out);
    assertEquals(5000, lines.size());
    for (int i = 0; i < 5000; i++) {
      assertEquals("{\"index\":" + i + ",\"value\":" + (long) i * i + "}", lines.get(i));
    }
  }

  @Test
  void aClientKilledMidUploadLeavesItsJobFailedWithItsResultsReadable() throws Exception {
    Process p = start(List.of(), "submit", "--coordinator", c.url(""), "--fn", "echo", "--detach", "--items", "-");
    OutputStream in = p.getOutputStream();
    in.write("1\n2\n3\n".getBytes(StandardCharsets.US_ASCII));
    in.flush();
    String id = readLine(p.getInputStream());
    c.awaitJson("/jobs/" + id, j -> j.path("done").asLong() == 3, Duration.ofSeconds(60), "the first items computed");
    p.destroyForcibly().waitFor();

    JsonNode failed = c.awaitJson("/jobs/" + id, j -> j.path("state").asText().equals("FAILED"), Duration.ofSeconds(60),
        "the job to fail");
    assertTrue(failed.get("message").asText().contains("input ended before it was closed"), failed.toString());
    List<JsonNode> results = c.results(id);
    assertEquals(3, results.size(), "the results computed before the cut stay readable: " + results);
  }

  @Test
  void aCoordinatorWhoseDiskIsFullFailsTheJobNamingItAndStaysUp() throws Exception {
    Path uploads = Files.createDirectories(spool.resolve("uploads"));
    Path small = work.resolve("items-2mb.jsonl");
    try (BufferedWriter w = Files.newBufferedWriter(small, StandardCharsets.UTF_8)) {
      for (int i = 0; i < 200_000; i++) {
        w.write("\"item-" + i + "\"\n");
      }
    }
    // a real full disk: a 1 MB file system where the coordinator stores uploads
    assertEquals(0, new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", uploads.toString())
        .inheritIO().start().waitFor(), "mount a 1 MB tmpfs (the test runs as root, as CI does)");
    try {
      Ran full = shoal(List.of(), "submit", "--coordinator", c.url(""), "--fn", "echo", "--no-progress",
          "--items", small.toString(), "--out", work.resolve("full.jsonl").toString());
      assertEquals(1, full.exit, full.err);
      assertTrue(full.err.contains("FAILED") && full.err.contains("cannot store the job's items: No space left on device"),
          full.err);
    } finally {
      new ProcessBuilder("umount", uploads.toString()).inheritIO().start().waitFor();
    }
    assertTrue(c.coordinator.process.isAlive(), "a full disk fails the job, not the coordinator");
    Ran after = shoal(List.of(), "submit", "--coordinator", c.url(""), "--fn", "echo", "--no-progress",
        "--items", small.toString(), "--out", work.resolve("after.jsonl").toString());
    assertEquals(0, after.exit, "with room again the same upload goes through: " + after.err);
  }

  // --- helpers ---

  private record Ran(int exit, String err) {}

  private Ran shoal(List<String> jvm, String... args) throws Exception {
    Process p = start(jvm, args);
    p.getOutputStream().close();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("shoal " + String.join(" ", args) + " did not end");
    }
    return new Ran(p.exitValue(), Files.readString(work.resolve("err-" + p.pid())));
  }

  /** {@code shoal args} in its own JVM, as a user runs it; its stderr goes to err-PID in the work folder. */
  private Process start(List<String> jvm, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    cmd.addAll(jvm);
    cmd.addAll(List.of("-XX:TieredStopAtLevel=1", "-jar", System.getProperty("shoal.jar")));
    cmd.addAll(List.of(args));
    Path err = Files.createTempFile(work, "err", ".txt");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectError(err.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("SHOAL_"));
    pb.environment().put("SHOAL_DATA_DIR", c.dataDir.toString());
    Process p = pb.start();
    Files.move(err, work.resolve("err-" + p.pid()));
    return p;
  }

  private static void awaitLines(Path file, int n, Process p) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (Files.exists(file) && Files.readAllLines(file).size() >= n) {
        return;
      }
      if (!p.isAlive()) {
        throw new AssertionError("shoal submit ended before its input did, exit " + p.exitValue());
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no " + n + " results in " + file + " within 60 s while the input was still open");
  }

  private static String readLine(InputStream in) throws Exception {
    StringBuilder line = new StringBuilder();
    for (int b = in.read(); b >= 0 && b != '\n'; b = in.read()) {
      line.append((char) b);
    }
    return line.toString().strip();
  }

  private static String sha256(Path file) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 16];
      for (int n = in.read(buf); n > 0; n = in.read(buf)) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }
}
