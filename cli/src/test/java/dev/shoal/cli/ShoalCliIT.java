package dev.shoal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code shoal run} end to end: {@code java -jar shoal.jar} in a process of its own, as a user runs
 * it. The jar and the anchors come from the system properties the failsafe configuration sets.
 */
class ShoalCliIT {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path tmp;

  record Run(int exit, String stdout, List<String> stderr) {}

  @Test
  void sha256Over2000ItemsGivesTheAnchorDigest() throws Exception {
    Path out = tmp.resolve("r.jsonl");
    Run r = shoal(null, "run", "--workers", "2", "--fn", "sha256", "--range", "0:2000", "--out", out.toString());
    assertEquals(0, r.exit(), r.stderr().toString());
    assertEquals("", r.stdout());
    assertSummary(r, "SUCCEEDED");

    List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
    assertEquals(2000, lines.size());
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    for (int i = 0; i < lines.size(); i++) {
      JsonNode line = JSON.readTree(lines.get(i));
      assertEquals(i, line.get("index").asLong());
      sha.update((line.get("value").asText() + "\n").getBytes(StandardCharsets.US_ASCII));
    }
    assertEquals(anchorDigest("sha"), HexFormat.of().formatHex(sha.digest()));
  }

  @Test
  void itemErrorsExitWith3AndAreWrittenInPlace() throws Exception {
    Run r = shoal(null, "run", "--enable-test-functions", "--fn", "fail", "--arg", "items=[1]", "--range", "0:3");
    assertEquals(ExitCodes.ITEM_ERRORS, r.exit(), r.stderr().toString());
    assertEquals("""
        {"index":0,"value":0}
        {"index":1,"error":{"type":"RequestedFailure","message":"fail was asked to fail item 1"}}
        {"index":2,"value":2}
        """, r.stdout());
    assertSummary(r, "COMPLETED_WITH_ERRORS");
  }

  static Stream<Arguments> usageErrors() {
    return Stream.of(
        Arguments.of(List.of("--fn", "nope", "--range", "0:3"), "shoal: unknown function 'nope'; known: "),
        Arguments.of(List.of("--fn", "square", "--range", "5:1"), "shoal: bad --range '5:1': the end 1 is before the start 5"),
        Arguments.of(List.of("--fn", "square", "--items", "no-such-file.jsonl"), "shoal: cannot read --items file 'no-such-file.jsonl'"),
        Arguments.of(List.of("--fn", "square", "--range", "0:3", "--arg", "foo"), "shoal: bad --arg 'foo': expected KEY=VALUE"),
        Arguments.of(List.of("--fn", "square", "--range", "0:3", "--bogus"), "shoal: Unknown option: '--bogus'"),
        // the request that once cost every worker its JVM
        Arguments.of(List.of("--fn", "echo", "--range", "0:9223372036854775807", "--chunk-size", "2147483647"),
            "shoal: chunkSize 2147483647 exceeds shoal.coordinator.limits.max-chunk-items (10000)"),
        Arguments.of(List.of("--fn", "echo", "--range", "-9223372036854775808:9223372036854775807"),
            "shoal: bad --range '-9223372036854775808:9223372036854775807': range -9223372036854775808..9223372036854775807"
                + " holds more than 9223372036854775807 items"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("usageErrors")
  void aUsageMistakeExitsWith2AndOneLineOnStderr(List<String> args, String expectedStart) throws Exception {
    List<String> command = new ArrayList<>(List.of("run"));
    command.addAll(args);
    Run r = shoal(null, command.toArray(String[]::new));
    assertEquals(ExitCodes.USAGE, r.exit(), r.stderr().toString());
    assertEquals(1, r.stderr().size(), r.stderr().toString());
    assertTrue(r.stderr().get(0).startsWith(expectedStart), r.stderr().get(0));
    assertEquals("", r.stdout());
  }

  @Test
  void aWorkerAskedForNoActorsExitsWith2BeforeJoiningAnything() throws Exception {
    Run r = shoal(null, "worker", "--no-tls", "--actors", "0");
    assertEquals(ExitCodes.USAGE, r.exit(), r.stderr().toString());
    assertEquals(List.of("shoal: --actors must be between 1 and 1000, got 0"), r.stderr());
  }

  @Test
  void aLineOverMaxItemBytesFailsTheJobNamingTheLimitNotTheProcess() throws Exception {
    // 2 MiB with no line break: read whole, it would be one 2 MiB item (a larger one, an OOM)
    Run r = shoal("1\n" + "7".repeat(2 << 20) + "\n3\n", "run", "--fn", "echo", "--items", "-");
    assertEquals(ExitCodes.INTERNAL, r.exit(), r.stderr().toString());
    assertSummary(r, "FAILED");
    assertTrue(r.stderr().get(0).endsWith("(line 2 is longer than shoal.coordinator.limits.max-item-bytes (1048576))"),
        r.stderr().get(0));
  }

  @Test
  void itemsFromStdinUnordered() throws Exception {
    Run r = shoal("3\n4\n\n5\n-6\n", "run", "--fn", "square", "--items", "-", "--unordered", "--chunk-size", "1");
    assertEquals(0, r.exit(), r.stderr().toString());
    Map<Long, Long> byIndex = new TreeMap<>();
    for (String line : r.stdout().split("\n")) {
      JsonNode n = JSON.readTree(line);
      assertEquals(null, byIndex.put(n.get("index").asLong(), n.get("value").asLong()), "index twice: " + line);
    }
    assertEquals(Map.of(0L, 9L, 1L, 16L, 2L, 25L, 3L, 36L), byIndex);
  }

  @Test
  void anItemOverTimeoutMsFailsAsTimeout() throws Exception {
    Run r = shoal(null, "run", "--enable-test-functions", "--fn", "hang", "--arg", "items=[2]", "--range", "0:4",
        "--timeout-ms", "300");
    assertEquals(ExitCodes.ITEM_ERRORS, r.exit(), r.stderr().toString());
    assertEquals("""
        {"index":0,"value":0}
        {"index":1,"value":1}
        {"index":2,"error":{"type":"Timeout","message":"item took longer than timeoutMs=300"}}
        {"index":3,"value":3}
        """, r.stdout());
  }

  @Test
  void aFunctionFromThePluginsFolderRuns() throws Exception {
    Path plugins = PluginJar.build(tmp.resolve("build"), tmp.resolve("my-plugins"));
    Run r = shoal(null, "run", "--plugins", plugins.toString(), "--fn", PluginJar.FUNCTION, "--range", "0:3");
    assertEquals(0, r.exit(), r.stderr().toString());
    assertEquals("""
        {"index":0,"value":0}
        {"index":1,"value":3}
        {"index":2,"value":6}
        """, r.stdout());
  }

  /** The summary line, alone on stderr, and no stack trace. */
  private static void assertSummary(Run r, String state) {
    assertEquals(1, r.stderr().size(), r.stderr().toString());
    assertTrue(r.stderr().get(0).startsWith("shoal: job ") && r.stderr().get(0).contains(" " + state + ": "),
        r.stderr().get(0));
  }

  private Run shoal(String stdin, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", property("shoal.jar")));
    command.addAll(List.of(args));
    Path out = Files.createTempFile(tmp, "stdout", ".txt");
    Path err = Files.createTempFile(tmp, "stderr", ".txt");
    Path in = Files.writeString(Files.createTempFile(tmp, "stdin", ".txt"), stdin == null ? "" : stdin);
    // the temp folder as working directory: no ./plugins there
    Process p = new ProcessBuilder(command).directory(tmp.toFile())
        .redirectInput(in.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(90, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("shoal " + String.join(" ", args) + " did not end within 90 s");
    }
    String stderr = Files.readString(err, StandardCharsets.UTF_8);
    assertFalse(stderr.contains("at dev.shoal"), "a stack trace on stderr:\n" + stderr);
    assertFalse(stderr.contains("Exception"), "an exception on stderr:\n" + stderr);
    return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), stderr.lines().toList());
  }

  private static String anchorDigest(String workload) throws IOException {
    for (String line : Files.readAllLines(Path.of(property("shoal.anchors"), "expected.sha256"))) {
      String[] parts = line.trim().split("\\s+");
      if (parts.length == 2 && parts[1].equals(workload)) {
        return parts[0];
      }
    }
    throw new AssertionError("no digest for " + workload + " in expected.sha256");
  }

  private static String property(String name) {
    String v = System.getProperty(name);
    if (v == null) {
      throw new AssertionError("system property " + name + " is not set (the failsafe configuration sets it)");
    }
    return v;
  }
}
