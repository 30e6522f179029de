package dev.shoal.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shoal.client.ServedPool;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The client commands, run as {@code shoal ...} would run them, against a served local pool. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 3, unit = TimeUnit.MINUTES) // a safety net: a command that never returns fails its test
class ClientCommandsTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private ServedPool served;

  @TempDir
  Path dir;

  /** What a command printed and returned. */
  private record Ran(int code, String out, String err) {}

  @BeforeAll
  void start() throws Exception {
    served = ServedPool.start();
  }

  @AfterAll
  void stop() throws Exception {
    served.close();
  }

  @Test
  void submitWritesTheBytesThatRunWrites() throws Exception {
    Path submitted = dir.resolve("submit.jsonl");
    Path local = dir.resolve("run.jsonl");
    Ran s = shoal("submit", "--coordinator", served.url(), "--token-file", served.tokenFile(), "--fn", "sha256", "--range", "0:2000", "--out", submitted.toString(),
        "--no-progress");
    assertEquals(0, s.code(), s.err());
    assertTrue(s.err().contains("SUCCEEDED: 2000 items, 0 errors"), s.err());
    Ran r = shoal("run", "--workers", "2", "--fn", "sha256", "--range", "0:2000", "--out", local.toString());
    assertEquals(0, r.code(), r.err());
    assertArrayEquals(Files.readAllBytes(local), Files.readAllBytes(submitted));
  }

  @Test
  void submitShowsProgressLinesWhenNotOnATerminal() throws Exception {
    Ran s = shoal("submit", "--coordinator", served.url(), "--token-file", served.tokenFile(), "--fn", "square", "--range", "0:5", "--out", dir.resolve("p.jsonl").toString());
    assertEquals(0, s.code(), s.err());
    assertTrue(s.err().contains("5/5"), s.err());
    assertTrue(s.err().contains("0 errors"), s.err());
  }

  @Test
  void itemErrorsExitWith3() throws Exception {
    Path items = Files.writeString(dir.resolve("items.jsonl"), "1\n\"two\"\n3\n");
    Path out = dir.resolve("errors.jsonl");
    Ran s = shoal("submit", "--coordinator", served.url(), "--token-file", served.tokenFile(), "--fn", "fail", "--arg", "items=[\"two\"]", "--items", items.toString(),
        "--out", out.toString(), "--no-progress");
    assertEquals(3, s.code(), s.err());
    assertTrue(s.err().contains("COMPLETED_WITH_ERRORS: 3 items, 1 errors"), s.err());
    String[] lines = Files.readString(out).split("\n");
    assertEquals("{\"index\":0,\"value\":1}", lines[0]);
    assertTrue(lines[1].startsWith("{\"index\":1,\"error\":{"), lines[1]);
  }

  @Test
  void detachPrintsTheIdAndResultsStatusAndJobsFindTheJob() throws Exception {
    Ran d = shoal("submit", "--coordinator", served.url(), "--token-file", served.tokenFile(), "--fn", "square", "--range", "0:4", "--detach");
    assertEquals(0, d.code(), d.err());
    String id = d.out().trim();
    assertTrue(id.matches("[0-9a-f]{8}"), d.out());

    Path out = dir.resolve("detached.jsonl");
    Ran results = shoal("results", id, "--coordinator", served.url(), "--token-file", served.tokenFile(), "--out", out.toString());
    assertEquals(0, results.code(), results.err());
    assertEquals("{\"index\":0,\"value\":0}\n{\"index\":1,\"value\":1}\n{\"index\":2,\"value\":4}\n{\"index\":3,\"value\":9}\n",
        Files.readString(out));

    Ran status = shoal("status", id, "--coordinator", served.url(), "--token-file", served.tokenFile());
    assertEquals(0, status.code(), status.err());
    assertTrue(status.out().matches("(?s).*state\\s+SUCCEEDED.*done\\s+4/4 items \\(100%\\).*"), status.out());
    JsonNode json = JSON.readTree(shoal("status", id, "--coordinator", served.url(), "--token-file", served.tokenFile(), "--json").out());
    assertEquals(id, json.get("id").asText());

    Ran jobs = shoal("jobs", "--coordinator", served.url(), "--token-file", served.tokenFile());
    assertTrue(jobs.out().startsWith("ID "), jobs.out());
    assertTrue(jobs.out().contains(id + "  square"), jobs.out());
    JsonNode list = JSON.readTree(shoal("jobs", "--coordinator", served.url(), "--token-file", served.tokenFile(), "--json").out());
    assertTrue(list.get("jobs").findValuesAsText("id").contains(id), list.toString());
  }

  @Test
  void cancelStopsARunningJob() throws Exception {
    Path items = Files.writeString(dir.resolve("slow.jsonl"), "0\n600000\n");
    Ran d = shoal("submit", "--coordinator", served.url(), "--token-file", served.tokenFile(), "--fn", "sleep", "--items", items.toString(), "--chunk-size", "1",
        "--detach");
    String id = d.out().trim();
    Ran c = shoal("cancel", id, "--coordinator", served.url(), "--token-file", served.tokenFile());
    assertEquals(0, c.code(), c.err());
    assertTrue(c.out().matches("(?s).*state\\s+CANCELLED.*"), c.out());
    Ran results = shoal("results", id, "--coordinator", served.url(), "--token-file", served.tokenFile(), "--out", dir.resolve("c.jsonl").toString());
    assertEquals(1, results.code(), "a cancelled job's results exit like a failed run");
    assertTrue(results.err().contains("CANCELLED"), results.err());
  }

  @Test
  void clusterAndFunctionsAreTables() throws Exception {
    Ran cluster = shoal("cluster", "--coordinator", served.url(), "--token-file", served.tokenFile());
    assertEquals(0, cluster.code(), cluster.err());
    assertTrue(cluster.out().startsWith("coordinator: local\n"), cluster.out());
    assertTrue(cluster.out().contains("WORKER  SLOTS"), cluster.out());
    assertEquals(2, JSON.readTree(shoal("cluster", "--coordinator", served.url(), "--token-file", served.tokenFile(), "--json").out()).get("workers").size());

    Ran functions = shoal("functions", "--coordinator", served.url(), "--token-file", served.tokenFile());
    assertEquals(0, functions.code(), functions.err());
    assertTrue(functions.out().matches("(?s)NAME\\s+KIND\\s+DESCRIPTION\n.*sha256\\s+CPU\\s+.*"), functions.out());
    JsonNode json = JSON.readTree(shoal("functions", "--coordinator", served.url(), "--token-file", served.tokenFile(), "--json").out());
    assertTrue(json.get("functions").findValuesAsText("name").contains("sleep"), json.toString());
  }

  @Test
  void anUnknownJobIsOneLineAndExit2() throws Exception {
    for (String command : new String[] {"status", "results", "cancel"}) {
      Ran r = shoal(command, "nosuchjob", "--coordinator", served.url(), "--token-file", served.tokenFile());
      assertEquals(2, r.code(), command);
      assertEquals("shoal: no job 'nosuchjob' (finished jobs are remembered up to the last 1000)\n", r.err(), command);
    }
  }

  @Test
  void aCoordinatorThatIsNotThereIsOneLineAndExit1() throws Exception {
    String url = ServedPool.closedUrl();
    Path jar = Files.write(dir.resolve("some.jar"), new byte[] {1});
    for (String[] args : new String[][] {{"jobs"}, {"functions"}, {"status", "abc"}, {"jars"}, {"jars", "upload", jar.toString()},
        {"submit", "--fn", "square", "--range", "0:3", "--follow-deadline", "0"}}) {
      String[] all = java.util.stream.Stream.concat(java.util.Arrays.stream(args), java.util.stream.Stream.of("--coordinator", url))
          .toArray(String[]::new);
      Ran r = shoal(all);
      assertEquals(1, r.code(), String.join(" ", args));
      assertEquals("shoal: cannot reach the coordinator at " + url + ": connection refused\n", r.err(), String.join(" ", args));
    }
  }

  @Test
  void submitFollowsEveryCoordinatorUrlUntilItsDeadlineSayingSoInOneLineEach() throws Exception {
    String a = ServedPool.closedUrl();
    String b = ServedPool.closedUrl();
    Ran r = shoal("submit", "--fn", "square", "--range", "0:3", "--coordinator", a + "," + b, "--follow-deadline", "1s");
    assertEquals(1, r.code(), r.err());
    String[] lines = r.err().split("\n");
    assertEquals(2, lines.length, r.err());
    assertTrue(lines[0].matches("shoal: coordinator unreachable at " + java.util.regex.Pattern.quote(a)
        + " \\(connection refused\\), retrying until \\d\\d:\\d\\d:\\d\\d"), lines[0]);
    assertEquals("shoal: cannot reach the coordinator at " + a + ", " + b
        + ": connection refused (retried for the follow deadline of 1 s)", lines[1]);
  }

  @Test
  void aJarThatIsNoFileOrNoJarIsOneLineAndExit2() throws Exception {
    Ran absent = shoal("submit", "--jar", dir.resolve("absent.jar").toString(), "--fn", "f", "--range", "0:3",
        "--coordinator", served.url(), "--token-file", served.tokenFile());
    assertEquals(2, absent.code(), absent.err());
    assertEquals("shoal: --jar '" + dir.resolve("absent.jar") + "' is not a file\n", absent.err());
    Path junk = Files.writeString(dir.resolve("junk.jar"), "not a zip");
    Ran refused = shoal("jars", "upload", junk.toString(), "--coordinator", served.url(), "--token-file", served.tokenFile());
    assertEquals(2, refused.code(), refused.err());
    assertTrue(refused.err().startsWith("shoal: the coordinator refused junk.jar: not a jar of Shoal functions: ")
        && refused.err().lines().count() == 1, refused.err());
    Ran unknown = shoal("submit", "--jar", "ab".repeat(32), "--fn", "f", "--range", "0:3",
        "--coordinator", served.url(), "--token-file", served.tokenFile());
    assertEquals(2, unknown.code(), unknown.err());
    assertEquals("shoal: no jar " + "ab".repeat(32) + " here: upload it first (POST /jars, or shoal submit --jar FILE)\n",
        unknown.err());
  }

  @Test
  void aBadFollowDeadlineIsOneLineAndExit2() throws Exception {
    for (String command : new String[] {"submit", "results"}) {
      String[] args = command.equals("submit") ? new String[] {"submit", "--fn", "square", "--range", "0:3", "--follow-deadline", "soon"}
          : new String[] {"results", "abc", "--follow-deadline", "soon"};
      Ran r = shoal(args);
      assertEquals(2, r.code(), command + ": " + r.err());
      assertEquals("shoal: --follow-deadline: expected a duration such as 60s, 2m or 500ms, got 'soon'\n", r.err(), command);
    }
  }

  @Test
  void aRejectedTokenIsOneLineAndExit2() throws Exception {
    Path wrong = dir.resolve("wrong-token");
    Files.writeString(wrong, "not-the-token\n");
    for (String[] args : new String[][] {{"jobs"}, {"cluster"}, {"functions"}, {"status", "abc"}, {"cancel", "abc"},
        {"results", "abc"}, {"submit", "--fn", "square", "--range", "0:3"}, {"jars"}, {"jars", "delete", "ab".repeat(32)}}) {
      String[] all = java.util.stream.Stream.concat(java.util.Arrays.stream(args),
          java.util.stream.Stream.of("--coordinator", served.url(), "--token-file", wrong.toString())).toArray(String[]::new);
      Ran r = shoal(all);
      assertEquals(2, r.code(), String.join(" ", args) + ": " + r.err());
      assertEquals("shoal: the coordinator at " + served.url() + " refused the request: the API token is not valid"
          + " (give the API token with --token-file FILE or SHOAL_TOKEN)\n", r.err(), String.join(" ", args));
    }
    Ran missing = shoal("jobs", "--coordinator", served.url(), "--token-file", dir.resolve("absent").toString());
    assertEquals(2, missing.code());
    assertTrue(missing.err().startsWith("shoal: cannot read the token file ") && missing.err().lines().count() == 1, missing.err());
  }

  @Test
  void usageMistakesExitWith2() throws Exception {
    Ran unknown = shoal("submit", "--coordinator", served.url(), "--token-file", served.tokenFile(), "--fn", "nope", "--range", "0:3", "--detach");
    assertEquals(2, unknown.code());
    assertTrue(unknown.err().startsWith("shoal: unknown function 'nope'"), unknown.err());
    Ran both = shoal("submit", "--coordinator", served.url(), "--token-file", served.tokenFile(), "--fn", "square", "--range", "0:3", "--detach", "--out", "x");
    assertEquals(2, both.code());
    assertTrue(both.err().contains("--out does not go with --detach"), both.err());
    Ran badUrl = shoal("jobs", "--coordinator", "localhost:8080");
    assertEquals(2, badUrl.code());
    assertEquals("shoal: bad coordinator URL 'localhost:8080': expected http://HOST:PORT\n", badUrl.err());
  }

  @Test
  void aChunkSizeOverTheLimitIsOneLineAndExit2ForSubmitAsForRun() throws Exception {
    String expected = "shoal: chunkSize 2147483647 exceeds shoal.coordinator.limits.max-chunk-items (10000)\n";
    Ran submit = shoal("submit", "--coordinator", served.url(), "--token-file", served.tokenFile(), "--fn", "echo", "--range", "0:9223372036854775807",
        "--chunk-size", "2147483647", "--no-progress");
    assertEquals(2, submit.code(), submit.err());
    assertEquals(expected, submit.err());
    Ran run = shoal("run", "--workers", "1", "--fn", "echo", "--range", "0:9223372036854775807", "--chunk-size", "2147483647");
    assertEquals(2, run.code(), run.err());
    assertEquals(expected, run.err());
    assertEquals("", run.out());
  }

  @Test
  void retryOptionsHealAFlakyItemAndStatusAndJobsShowTheRetries() throws Exception {
    Ran d = shoal("submit", "--coordinator", served.url(), "--token-file", served.tokenFile(), "--fn", "flaky",
        "--arg", "failures=2", "--arg", "items=[1]", "--range", "0:4", "--chunk-size", "2", "--retries", "2",
        "--retry-on", "IOException", "--retry-on", "TransientFailure", "--retry-backoff-ms", "0", "--detach");
    assertEquals(0, d.code(), d.err());
    String id = d.out().trim();
    Path out = dir.resolve("healed.jsonl");
    Ran results = shoal("results", id, "--coordinator", served.url(), "--token-file", served.tokenFile(), "--out", out.toString());
    assertEquals(0, results.code(), results.err());
    assertEquals("{\"index\":0,\"value\":0}\n{\"index\":1,\"value\":1}\n{\"index\":2,\"value\":2}\n{\"index\":3,\"value\":3}\n",
        Files.readString(out));

    Ran status = shoal("status", id, "--coordinator", served.url(), "--token-file", served.tokenFile());
    assertTrue(status.out().matches("(?s).*state\\s+SUCCEEDED.*\nretried\\s+2\n.*"), status.out());
    Ran jobs = shoal("jobs", "--coordinator", served.url(), "--token-file", served.tokenFile());
    assertTrue(jobs.out().startsWith("ID ") && jobs.out().contains("RETRIED"), jobs.out());
    assertTrue(jobs.out().matches("(?s).*" + id + "\\s+flaky\\s+SUCCEEDED\\s+0\\s+1\\s+4/4\\s+0\\s+2\\s.*"), jobs.out());
  }

  @Test
  void aFailureBudgetEndsTheJobFailedForSubmitAsForRun() throws Exception {
    Ran submit = shoal("submit", "--coordinator", served.url(), "--token-file", served.tokenFile(), "--fn", "fail",
        "--range", "0:1000000", "--chunk-size", "5", "--max-failure-rate", "0.5", "--no-progress",
        "--out", dir.resolve("budget.jsonl").toString());
    assertEquals(1, submit.code(), submit.err());
    assertTrue(submit.err().contains("FAILED") && submit.err().contains("failure budget exceeded: ")
        && submit.err().contains("more than maxFailureRate=0.5 (judged after minItemsForRate=100)"), submit.err());
    Ran run = shoal("run", "--workers", "1", "--enable-test-functions", "--fn", "fail", "--range", "0:1000000",
        "--chunk-size", "5", "--max-failures", "2", "--out", dir.resolve("budget-run.jsonl").toString());
    assertEquals(1, run.code(), run.err());
    assertTrue(run.err().contains("failure budget exceeded: ") && run.err().contains("items failed, more than maxFailures=2"),
        run.err());
  }

  @Test
  void badRetryOptionsAreOneLineAndExit2() throws Exception {
    String[][] cases = {
        {"--retries", "-1"}, {"--retries must be 0 or more, got -1"},
        {"--retries", "1", "--retry-backoff-ms", "-5"}, {"--retry-backoff-ms must be 0 or more milliseconds, got -5"},
        {"--retry-on", "IOException"}, {"--retry-on needs --retries N: how many times an item runs again"},
        {"--max-failures", "-1"}, {"--max-failures must be 0 or more items, got -1"},
        {"--max-failure-rate", "1.5"}, {"--max-failure-rate must be a fraction from 0 to 1, got 1.5"},
    };
    for (int i = 0; i < cases.length; i += 2) {
      for (String command : new String[] {"submit", "run"}) {
        String[] all = java.util.stream.Stream.concat(java.util.stream.Stream.of(command, "--fn", "square", "--range", "0:3"),
            java.util.Arrays.stream(cases[i])).toArray(String[]::new);
        Ran r = shoal(all);
        assertEquals(2, r.code(), String.join(" ", all) + ": " + r.err());
        assertEquals("shoal: " + cases[i + 1][0] + "\n", r.err(), String.join(" ", all));
      }
    }
  }

  @Test
  void schedulingOptionsReachTheCoordinatorAndShowInStatusAndJobs() throws Exception {
    Ran d = shoal("submit", "--coordinator", served.url(), "--token-file", served.tokenFile(), "--fn", "square", "--range", "0:4",
        "--priority", "7", "--weight", "3", "--max-in-flight", "2", "--rate-per-second", "500", "--detach");
    assertEquals(0, d.code(), d.err());
    String id = d.out().trim();
    JsonNode json = JSON.readTree(shoal("status", id, "--coordinator", served.url(), "--token-file", served.tokenFile(), "--json").out());
    assertEquals(7, json.get("priority").asInt(), json.toString());
    assertEquals(3, json.get("weight").asInt(), json.toString());
    Ran status = shoal("status", id, "--coordinator", served.url(), "--token-file", served.tokenFile());
    assertTrue(status.out().matches("(?s).*priority\\s+7\n.*weight\\s+3\n.*"), status.out());
    Ran jobs = shoal("jobs", "--coordinator", served.url(), "--token-file", served.tokenFile());
    assertTrue(jobs.out().matches("(?s)ID\\s+FUNCTION\\s+STATE\\s+PRIORITY\\s+WEIGHT .*"), jobs.out());
    assertTrue(jobs.out().matches("(?s).*" + id + "\\s+square\\s+\\S+\\s+7\\s+3\\s.*"), jobs.out());
  }

  @Test
  void badSchedulingOptionsAreOneLineAndExit2() throws Exception {
    String[][] cases = {
        {"--weight", "0", "shoal: --weight must be a positive integer, got 0\n"},
        {"--max-in-flight", "-1", "shoal: --max-in-flight must be a positive integer, got -1\n"},
        {"--rate-per-second", "0", "shoal: --rate-per-second must be a positive number, got 0.0\n"},
    };
    for (String[] c : cases) {
      Ran r = shoal("submit", "--coordinator", served.url(), "--token-file", served.tokenFile(), "--fn", "square", "--range", "0:3",
          c[0], c[1], "--detach");
      assertEquals(2, r.code(), r.err());
      assertEquals(c[2], r.err());
    }
  }

  /** Runs {@code shoal args} in this JVM, capturing what it prints. */
  private static Ran shoal(String... args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    int code;
    try {
      System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
      code = ShoalCli.execute(args);
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
    return new Ran(code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
  }
}
