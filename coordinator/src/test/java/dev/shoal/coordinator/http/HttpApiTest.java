package dev.shoal.coordinator.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The HTTP API over a real coordinator and two real worker actors in one local actor system, driven
 * by the JDK's HTTP client as any client would.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 2, unit = TimeUnit.MINUTES) // a safety net: a results stream that never ends fails its test, not the build
class HttpApiTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration PATIENCE = Duration.ofSeconds(60);
  private static final String SHA_ANCHOR = "dc90cf85630cf9c1e704e80287cc053a2a038d55d55694732106797c609ea860";

  private static final String TOKEN = "test-api-token";
  private static final String READ_TOKEN = "test-read-token";

  private final HttpClient http = HttpClient.newHttpClient();
  private ServedCoordinator served;
  /** Where requests go: the fixture's API, or for one test a coordinator of its own. */
  private URI base;

  @BeforeAll
  void start() throws Exception {
    served = ServedCoordinator.start("http-api-test", """
        shoal.coordinator.http.max-body = 1m
        shoal.coordinator.limits.max-item-bytes = 64k
        shoal.coordinator.limits.max-args-bytes = 1k
        shoal.coordinator.http.upload-timeout = 3s
        """, List.of("local-1", "local-2"), TOKEN, READ_TOKEN);
    base = served.base;
  }

  @AfterAll
  void stop() throws Exception {
    served.close();
  }

  @Test
  void sha256OverARangeGivesTheAnchorDigest() throws Exception {
    HttpResponse<String> submitted = send("POST", "/jobs", "{\"function\": \"sha256\", \"range\": {\"start\": 0, \"end\": 2000}}");
    assertEquals(202, submitted.statusCode(), submitted.body());
    JsonNode job = JSON.readTree(submitted.body());
    String id = job.get("id").asText();
    assertEquals("/jobs/" + id, submitted.headers().firstValue("Location").orElseThrow());
    assertEquals("QUEUED", job.get("state").asText());
    assertEquals(2000, job.get("total").asLong());

    HttpResponse<String> results = send("GET", "/jobs/" + id + "/results", null);
    assertEquals(200, results.statusCode());
    assertEquals("application/x-ndjson", results.headers().firstValue("Content-Type").orElseThrow());
    Pattern line = Pattern.compile("\\{\"index\":(\\d+),\"value\":\"([0-9a-f]{64})\"}");
    StringBuilder values = new StringBuilder();
    String[] lines = results.body().split("\n", -1);
    assertEquals(2001, lines.length, "2000 lines, each ending in a newline");
    for (int i = 0; i < 2000; i++) {
      Matcher m = line.matcher(lines[i]);
      assertTrue(m.matches(), lines[i]);
      assertEquals(i, Integer.parseInt(m.group(1)));
      values.append(m.group(2)).append('\n');
    }
    assertEquals(SHA_ANCHOR, sha256(values.toString()));

    JsonNode status = status(id);
    assertEquals("SUCCEEDED", status.get("state").asText());
    assertEquals(2000, status.get("done").asLong());
    assertEquals(0, status.get("errors").asLong());
    for (String field : List.of("submittedAt", "startedAt", "finishedAt", "jobMillis", "itemsPerSecond", "ordered")) {
      assertTrue(status.has(field), field + " in " + status);
    }
  }

  @Test
  void resultsStreamWhileTheJobRuns() throws Exception {
    // item 3 sleeps ten minutes: the job cannot end before the test cancels it
    String id = submit("{\"function\": \"sleep\", \"items\": [0, 1, 2, 600000], \"chunkSize\": 1}");
    HttpResponse<Stream<String>> stream = http.send(request("GET", "/jobs/" + id + "/results", null), BodyHandlers.ofLines());
    Iterator<String> lines = stream.body().iterator();
    assertEquals("{\"index\":0,\"value\":0}", within(lines::next));
    assertEquals("RUNNING", status(id).get("state").asText());

    JsonNode cancelled = json(send("DELETE", "/jobs/" + id, null));
    assertEquals("CANCELLED", cancelled.get("state").asText());
    List<String> rest = within(() -> {
      List<String> out = new ArrayList<>();
      lines.forEachRemaining(out::add);
      return out;
    });
    assertFalse(rest.contains("{\"index\":3,\"value\":600000}"), rest.toString());
    assertEquals("CANCELLED", status(id).get("state").asText());
  }

  @Test
  void resultsOfAFinishedJobCanBeReadAgain() throws Exception {
    String id = submit("{\"function\": \"square\", \"range\": {\"start\": -2, \"end\": 3}}");
    String first = results(id);
    assertEquals("{\"index\":0,\"value\":4}\n{\"index\":1,\"value\":1}\n{\"index\":2,\"value\":0}\n"
        + "{\"index\":3,\"value\":1}\n{\"index\":4,\"value\":4}\n", first);
    assertEquals(first, results(id));
  }

  @Test
  void aPostWithWaitAnswersWithTheJobsResultsAndWhereTheJobIs() throws Exception {
    HttpResponse<String> r = send("POST", "/jobs?wait=true", "{\"function\": \"fail\", \"range\": {\"start\": -2, \"end\": 3}, "
        + "\"args\": {\"items\": [1]}}");
    assertEquals(200, r.statusCode(), r.body());
    assertEquals("application/x-ndjson", r.headers().firstValue("Content-Type").orElseThrow());
    String where = r.headers().firstValue("Location").orElseThrow();
    assertTrue(where.startsWith("/jobs/"), where);
    String id = where.substring("/jobs/".length());
    List<String> lines = r.body().lines().toList();
    assertEquals(List.of("{\"index\":0,\"value\":-2}", "{\"index\":1,\"value\":-1}", "{\"index\":2,\"value\":0}"),
        lines.subList(0, 3));
    assertTrue(lines.get(3).startsWith("{\"index\":3,\"error\":{"), lines.get(3));
    assertEquals("{\"index\":4,\"value\":2}", lines.get(4));
    assertEquals(5, lines.size(), r.body());
    assertEquals(r.body(), results(id), "the same bytes as the job's results stream");
    JsonNode status = status(id);
    assertEquals("COMPLETED_WITH_ERRORS", status.get("state").asText(), "the job had ended when its results did");
    assertEquals(1, status.get("errors").asLong());
  }

  /**
   * Frames asked with {@code end=status} end with the job's final status, so a client that read the
   * results needs no second request; without it, and for JSON Lines, the stream is as before.
   */
  @Test
  void framesAskedToEndWithTheStatusEndWithTheJobsFinalStatus() throws Exception {
    String id = submit("{\"function\": \"square\", \"range\": {\"start\": 0, \"end\": 2000}, \"chunkSize\": 300}");
    HttpResponse<byte[]> r = within(() -> http.send(HttpRequest.newBuilder(base.resolve("/jobs/" + id + "/results?end=status"))
        .GET().header("Authorization", "Bearer " + TOKEN).header("Accept", dev.shoal.api.ResultFrames.MEDIA_TYPE)
        .timeout(PATIENCE).build(), BodyHandlers.ofByteArray()));
    assertEquals(200, r.statusCode());
    List<dev.shoal.api.ResultFrames.Frame> frames = dev.shoal.api.ResultFrames.readAll(new java.io.ByteArrayInputStream(r.body()));
    dev.shoal.api.ResultFrames.Frame last = frames.get(frames.size() - 1);
    assertTrue(last.isEnd(), "the last frame is the status");
    assertEquals(2000, last.firstIndex(), "after all the items");
    JsonNode status = JSON.readTree(last.endStatus());
    assertEquals(id, status.get("id").asText());
    assertEquals("SUCCEEDED", status.get("state").asText());
    assertEquals(2000, status.get("done").asLong());
    assertEquals(status.get("state"), status(id).get("state"), "the state GET /jobs/{id} gives");
    long next = 0;
    for (dev.shoal.api.ResultFrames.Frame f : frames.subList(0, frames.size() - 1)) {
      assertFalse(f.isEnd(), "one end frame only, at the end");
      for (long v : f.results().longs()) {
        assertEquals(next * next, v, "item " + next);
        next++;
      }
    }
    assertEquals(2000, next);

    HttpResponse<byte[]> plain = http.send(HttpRequest.newBuilder(base.resolve("/jobs/" + id + "/results"))
        .GET().header("Authorization", "Bearer " + TOKEN).header("Accept", dev.shoal.api.ResultFrames.MEDIA_TYPE)
        .timeout(PATIENCE).build(), BodyHandlers.ofByteArray());
    assertTrue(dev.shoal.api.ResultFrames.readAll(new java.io.ByteArrayInputStream(plain.body())).stream()
        .noneMatch(dev.shoal.api.ResultFrames.Frame::isEnd), "not asked: no end frame");
    assertEquals(results(id), results(id, "?end=status"), "JSON Lines never end with one");
    HttpResponse<String> bad = send("GET", "/jobs/" + id + "/results?end=everything", null);
    assertEquals(400, bad.statusCode(), bad.body());
    assertJsonError(bad, "end must be status");
  }

  @Test
  void aPostWithWaitThatAcceptsShoalsResultsGetsTheirFrames() throws Exception {
    HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(base.resolve("/jobs?wait=true"))
        .POST(BodyPublishers.ofString("{\"function\": \"square\", \"range\": {\"start\": 0, \"end\": 3000}, \"chunkSize\": 700}"))
        .header("Content-Type", "application/json").header("Authorization", "Bearer " + TOKEN)
        .header("Accept", dev.shoal.api.ResultFrames.MEDIA_TYPE).timeout(PATIENCE).build(), BodyHandlers.ofByteArray());
    assertEquals(200, r.statusCode());
    assertEquals(dev.shoal.api.ResultFrames.MEDIA_TYPE, r.headers().firstValue("Content-Type").orElseThrow());
    long next = 0;
    for (dev.shoal.api.ResultFrames.Frame f : dev.shoal.api.ResultFrames.readAll(new java.io.ByteArrayInputStream(r.body()))) {
      assertEquals(next, f.firstIndex());
      for (long v : f.results().longs()) {
        assertEquals(next * next, v, "item " + next);
        next++;
      }
    }
    assertEquals(3000, next, "every item once, in order");
  }

  @Test
  void waitIsTrueOrFalseAndNotForAnUpload() throws Exception {
    HttpResponse<String> bad = send("POST", "/jobs?wait=yes", "{\"function\": \"square\", \"items\": [1]}");
    assertEquals(400, bad.statusCode(), bad.body());
    assertJsonError(bad, "wait must be true (answer with the job's results) or false, got 'yes'");
    HttpResponse<String> upload = send("POST", "/jobs?wait=true", "{\"function\": \"echo\", \"upload\": true}");
    assertEquals(400, upload.statusCode(), upload.body());
    assertJsonError(upload, "wait=true cannot be used with \"upload\": true");
    HttpResponse<String> plain = send("POST", "/jobs?wait=false", "{\"function\": \"square\", \"items\": [1]}");
    assertEquals(202, plain.statusCode(), "wait=false is a plain submission: " + plain.body());
    assertEquals("{\"index\":0,\"value\":1}\n", results(JSON.readTree(plain.body()).get("id").asText()));
  }

  @Test
  void resultsFromLineNStartAtThatLineSoAClientCutOffResumesWithoutGapOrRepeat() throws Exception {
    String id = submit("{\"function\": \"square\", \"range\": {\"start\": 0, \"end\": 5}}");
    String all = results(id);
    assertEquals(all, results(id, "?from=0"));
    assertEquals("{\"index\":3,\"value\":9}\n{\"index\":4,\"value\":16}\n", results(id, "?from=3"));
    assertEquals("", results(id, "?from=5"), "from the end: nothing more");
    assertEquals("", results(id, "?from=1000"), "from beyond the end: an empty stream, not an error");
  }

  @Test
  void resultsFromBeyondWhatIsWrittenWaitForTheLineAndEndWithTheJob() throws Exception {
    // one item a chunk, item 2 sleeps ten minutes: line 2 cannot come before the test cancels the job;
    // items 0 and 1 are handed out before it, so no worker holds them behind it
    String id = submit("{\"function\": \"sleep\", \"items\": [0, 0, 600000], \"chunkSize\": 1, \"ordered\": false}");
    HttpResponse<Stream<String>> stream = http.send(request("GET", "/jobs/" + id + "/results?from=1", null), BodyHandlers.ofLines());
    Iterator<String> lines = stream.body().iterator();
    String second = within(lines::next);
    assertTrue(second.equals("{\"index\":0,\"value\":0}") || second.equals("{\"index\":1,\"value\":0}"),
        "line 1 of an unordered job: the second result made, " + second);
    assertEquals("CANCELLED", json(send("DELETE", "/jobs/" + id, null)).get("state").asText());
    assertFalse(within(lines::hasNext), "the stream ends with the job");
  }

  @Test
  void aBadResultsParameterIsA400NamingIt() throws Exception {
    String id = submit("{\"function\": \"square\", \"range\": {\"start\": 0, \"end\": 2}}");
    java.util.Map<String, String> bad = new java.util.LinkedHashMap<>();
    for (String from : List.of("-1", "two", "1e3")) {
      bad.put("from=" + from, "from must be a line number, 0 or more (the lines already read), got '" + from + "'");
    }
    for (String k : List.of("0", "8193", "many")) {
      bad.put("frameItems=" + k, "frameItems must be a whole number from 1 to 8192 (the most items in one results frame), "
          + "got '" + k + "'");
    }
    for (java.util.Map.Entry<String, String> e : bad.entrySet()) {
      HttpResponse<String> r = send("GET", "/jobs/" + id + "/results?" + e.getKey(), null);
      assertEquals(400, r.statusCode(), e.getKey() + ": " + r.body());
      assertJsonError(r, e.getValue());
    }
  }

  @Test
  void itemsOfAnyJsonComeBackAsTheyWent() throws Exception {
    String id = submit("{\"function\": \"echo\", \"items\": [\"a\\\"b\", {\"x\": [1, 2.5, null]}, true], \"ordered\": false, "
        + "\"args\": {\"unused\": 1}, \"chunkSize\": 2, \"timeoutMs\": 60000}");
    List<String> lines = results(id).lines().sorted().toList();
    assertEquals(List.of("{\"index\":0,\"value\":\"a\\\"b\"}", "{\"index\":1,\"value\":{\"x\":[1,2.5,null]}}",
        "{\"index\":2,\"value\":true}"), lines);
    assertFalse(status(id).get("ordered").asBoolean());
  }

  @Test
  void itemsOfASmallBodyAndOfALargeOneComeBackAlike() throws Exception {
    // up to 8 KiB a body's items stay in the job's journal record, beyond it they are stored apart
    for (int n : new int[] {3, 3000}) {
      StringBuilder items = new StringBuilder();
      StringBuilder expected = new StringBuilder();
      for (int i = 0; i < n; i++) {
        items.append(i == 0 ? "" : ",").append("{\"k\":").append(i).append('}');
        expected.append("{\"index\":").append(i).append(",\"value\":{\"k\":").append(i).append("}}\n");
      }
      String body = "{\"function\": \"echo\", \"items\": [" + items + "]}";
      assertEquals(n == 3, body.length() <= 8 * 1024, "the two sides of the limit");
      assertEquals(expected.toString(), results(submit(body)), n + " items");
    }
  }

  @Test
  void anEmptyJobSucceedsWithNoResults() throws Exception {
    String id = submit("{\"function\": \"echo\", \"items\": []}");
    assertEquals("", results(id));
    JsonNode status = status(id);
    assertEquals("SUCCEEDED", status.get("state").asText());
    assertEquals(0, status.get("total").asLong());
  }

  @Test
  void itemErrorsAreLinesOfTheirOwnAndCounted() throws Exception {
    String id = submit("{\"function\": \"fail\", \"range\": {\"start\": 0, \"end\": 4}, \"args\": {\"items\": [2]}}");
    List<String> lines = results(id).lines().toList();
    assertEquals(4, lines.size());
    assertEquals("{\"index\":1,\"value\":1}", lines.get(1));
    assertTrue(lines.get(2).startsWith("{\"index\":2,\"error\":{\"type\":\""), lines.get(2));
    JsonNode status = status(id);
    assertEquals("COMPLETED_WITH_ERRORS", status.get("state").asText());
    assertEquals(1, status.get("errors").asLong());
  }

  @Test
  void jobsAreListedNewestFirst() throws Exception {
    String older = submit("{\"function\": \"square\", \"range\": {\"start\": 0, \"end\": 3}}");
    String newer = submit("{\"function\": \"square\", \"range\": {\"start\": 0, \"end\": 3}}");
    send("GET", "/jobs/" + newer + "/results", null);
    HttpResponse<String> list = send("GET", "/jobs", null);
    assertEquals(200, list.statusCode());
    List<String> ids = new ArrayList<>();
    JSON.readTree(list.body()).get("jobs").forEach(j -> ids.add(j.get("id").asText()));
    assertTrue(ids.indexOf(newer) >= 0 && ids.indexOf(newer) < ids.indexOf(older), ids.toString());
  }

  @Test
  void clusterShowsTheLocalNodeAndItsWorkers() throws Exception {
    JsonNode cluster = json(send("GET", "/cluster", null));
    assertEquals("local", cluster.get("coordinator").asText());
    assertEquals(1, cluster.get("members").size());
    assertEquals(2, cluster.get("workers").size());
    assertEquals(1, cluster.get("workers").get(0).get("slots").asInt());
  }

  @Test
  void functionsAreListedWithTheirKind() throws Exception {
    JsonNode functions = json(send("GET", "/functions", null)).get("functions");
    List<String> names = new ArrayList<>();
    functions.forEach(f -> names.add(f.get("name").asText() + ":" + f.get("kind").asText()));
    assertTrue(names.containsAll(List.of("sha256:CPU", "sleep:IO", "echo:CPU")), names.toString());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
      {"function": "sha256", "range": {"start": 0, "end": |not valid JSON
      [1, 2, 3]|must be a JSON object
      {"function": "echo", "range": {"start": 0, "end": 1}} {"function": "echo"}|more after
      {"range": {"start": 0, "end": 10}}|function is missing
      {"function": 7, "range": {"start": 0, "end": 10}}|function must be
      {"function": "", "range": {"start": 0, "end": 10}}|function must be
      {"function": "echo", "items": [1], "range": {"start": 0, "end": 1}}|one of items, range or upload, not more
      {"function": "echo"}|items are missing
      {"function": "echo", "range": {"start": 10, "end": 5}}|range end 5 is before its start 10
      {"function": "echo", "range": {"end": 5}}|range.start is missing
      {"function": "echo", "range": {"start": 0, "end": "5"}}|range.end must be an integer
      {"function": "echo", "range": {"start": 0, "end": 5, "step": 2}}|unknown field 'step' in range
      {"function": "echo", "range": [0, 5]}|range must be an object
      {"function": "echo", "items": {"a": 1}}|items must be a JSON array
      {"function": "echo", "items": [1], "args": [1]}|args must be a JSON object
      {"function": "echo", "items": [1], "chunkSize": -1}|chunkSize must be 0 (automatic) or a positive integer, got -1
      {"function": "echo", "items": [1], "chunkSize": "big"}|chunkSize must be
      {"function": "echo", "items": [1], "chunkSize": 1.5}|chunkSize must be
      {"function": "echo", "items": [1], "chunkSize": 99999999999}|chunkSize 99999999999 exceeds shoal.coordinator.limits.max-chunk-items (10000)
      {"function": "echo", "range": {"start": 0, "end": 9223372036854775807}, "chunkSize": 2147483647}|chunkSize 2147483647 exceeds shoal.coordinator.limits.max-chunk-items (10000)
      {"function": "echo", "items": [1], "chunkSize": 99999999999999999999999}|chunkSize must be
      {"function": "echo", "range": {"start": -9223372036854775808, "end": 9223372036854775807}}|holds more than 9223372036854775807 items
      {"function": "echo", "range": {"start": 0, "end": 9223372036854775808}}|range.end is out of range
      {"function": "echo", "items": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}|the job's items or args nest deeper than shoal.coordinator.limits.max-nesting-depth (64)
      {"function": "echo", "items": [1], "args": {"a": 1234567890123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123}}|the job's items or args hold a number longer than shoal.coordinator.limits.max-number-length (100 digits)
      {"function": "echo", "items": [1], "timeoutMs": -5}|timeoutMs must be 0 (none) or a positive number of milliseconds, got -5
      {"function": "echo", "items": [1], "ordered": "yes"}|ordered must be true or false
      {"function": "echo", "items": [1], "chunksize": 10}|unknown field 'chunksize'
      {"function": "echo", "function": "echo", "items": [1]}|given twice
      {"function": "no-such-function", "items": [1]}|unknown function 'no-such-function'
      """)
  void badBodiesAreAnswered400NamingTheProblem(String body, String problem) throws Exception {
    HttpResponse<String> r = send("POST", "/jobs", body);
    assertEquals(400, r.statusCode(), r.body());
    assertJsonError(r, problem);
  }

  @Test
  void retriesHealAFlakyItemAndTheStatusCountsThem() throws Exception {
    String id = submit("{\"function\": \"flaky\", \"range\": {\"start\": 0, \"end\": 4}, \"chunkSize\": 2, "
        + "\"args\": {\"failures\": 2, \"items\": [1]}, \"retries\": {\"max\": 2, \"backoffMs\": 0, "
        + "\"maxBackoffMs\": 0, \"jitter\": 0.5, \"on\": [\"TransientFailure\"]}, \"maxFailures\": 0, "
        + "\"maxFailureRate\": 0.5, \"minItemsForRate\": 2}");
    assertEquals("{\"index\":0,\"value\":0}\n{\"index\":1,\"value\":1}\n{\"index\":2,\"value\":2}\n"
        + "{\"index\":3,\"value\":3}\n", results(id));
    JsonNode status = status(id);
    assertEquals("SUCCEEDED", status.get("state").asText());
    assertEquals(2, status.get("retried").asLong());
    JsonNode listed = null;
    for (JsonNode j : json(send("GET", "/jobs", null)).get("jobs")) {
      listed = j.get("id").asText().equals(id) ? j : listed;
    }
    assertEquals(2, listed.get("retried").asLong(), String.valueOf(listed));
  }

  @Test
  void aJobOverItsFailureBudgetEndsFailedSayingWhichBudget() throws Exception {
    String id = submit("{\"function\": \"fail\", \"range\": {\"start\": 0, \"end\": 1000000}, \"chunkSize\": 5, "
        + "\"maxFailures\": 2}");
    results(id);
    JsonNode status = status(id);
    assertEquals("FAILED", status.get("state").asText());
    assertEquals("failure budget exceeded: " + status.get("errors").asLong() + " items failed, more than maxFailures=2",
        status.get("message").asText());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
      "retries": 3|retries must be an object
      "retries": {"backoffMs": 10}|retries.max is missing
      "retries": {"max": -1}|retries.max must be 0 or more retries, got -1
      "retries": {"max": 2.5}|retries.max must be 0 or more retries, got 2.5
      "retries": {"max": 99999999999}|retries.max must be 0 or more retries, got 99999999999
      "retries": {"max": 1, "backoffMs": -5}|retries.backoffMs must be 0 or more milliseconds, got -5
      "retries": {"max": 1, "backoffMs": "soon"}|retries.backoffMs must be 0 or more milliseconds, got "soon"
      "retries": {"max": 1, "maxBackoffMs": -1}|retries.maxBackoffMs must be 0 or more milliseconds, got -1
      "retries": {"max": 1, "backoffMs": 500, "maxBackoffMs": 100}|retries.maxBackoffMs must be at least retries.backoffMs (500), got 100
      "retries": {"max": 1, "jitter": 1.5}|retries.jitter must be a fraction from 0 to 1, got 1.5
      "retries": {"max": 1, "jitter": "some"}|retries.jitter must be a fraction from 0 to 1, got "some"
      "retries": {"max": 1, "on": "IOException"}|retries.on must be an array of exception type names
      "retries": {"max": 1, "on": [""]}|retries.on must list exception type names
      "retries": {"max": 1, "on": [7]}|retries.on must list exception type names
      "retries": {"max": 1, "tries": 2}|unknown field 'tries' in retries; it has max, backoffMs, maxBackoffMs, jitter, on
      "retries": {"max": 1, "max": 2}|field 'retries.max' is given twice
      "maxFailures": -1|maxFailures must be 0 or more items, got -1
      "maxFailures": "many"|maxFailures must be 0 or more items, got "many"
      "maxFailureRate": 1.01|maxFailureRate must be a fraction from 0 to 1, got 1.01
      "maxFailureRate": -0.5|maxFailureRate must be a fraction from 0 to 1, got -0.5
      "maxFailureRate": true|maxFailureRate must be a fraction from 0 to 1, got true
      "minItemsForRate": 0|minItemsForRate must be 1 or more items, got 0
      "maxfailures": 3|unknown field 'maxfailures'; a job has function, jar, items, range, upload, args, chunkSize, ordered, timeoutMs, retries, maxFailures
      """)
  void badRetriesAndFailureBudgetsAreAnswered400NamingTheField(String field, String problem) throws Exception {
    HttpResponse<String> r = send("POST", "/jobs", "{\"function\": \"echo\", \"items\": [1], " + field + "}");
    assertEquals(400, r.statusCode(), r.body());
    assertJsonError(r, problem);
  }

  @Test
  void anEmptyBodyIsA400() throws Exception {
    assertJsonError(send("POST", "/jobs", ""), "");
    assertEquals(400, send("POST", "/jobs", "").statusCode());
  }

  @Test
  void aBodyOverTheLimitIsA413ThatTheClientStillSendingItHears() throws Exception {
    StringBuilder body = new StringBuilder("{\"function\": \"echo\", \"items\": [0");
    while (body.length() < 1_200_000) {
      body.append(",123456789");
    }
    HttpResponse<String> r = send("POST", "/jobs", body.append("]}").toString());
    assertEquals(413, r.statusCode(), r.body());
    assertJsonError(r, "larger than the limit");
    // bodies larger than the sockets' buffers: answered and closed with bytes unread, a connection is reset
    String large = "x".repeat(4 << 20);
    for (int i = 0; i < 30; i++) {
      HttpResponse<String> again = send("POST", "/jobs", large);
      assertEquals(413, again.statusCode(), again.body());
    }
  }

  @Test
  void anItemOverMaxItemBytesIsA400NamingItsIndex() throws Exception {
    String big = "[" + "1,".repeat(40_000) + "1]";
    HttpResponse<String> r = send("POST", "/jobs", "{\"function\": \"echo\", \"items\": [1, 2, " + big + "]}");
    assertEquals(400, r.statusCode(), r.body());
    assertJsonError(r, "item 2 is 80003 bytes, over shoal.coordinator.limits.max-item-bytes (65536)");
  }

  @Test
  void anItemOrArgsAtTheNestingLimitPassAndOneLevelDeeperIsNamed() throws Exception {
    String item64 = "[".repeat(64) + "1" + "]".repeat(64);
    assertEquals("{\"index\":0,\"value\":" + item64 + "}\n",
        results(submit("{\"function\": \"echo\", \"items\": [" + item64 + "]}")));
    String args65 = "{\"a\": " + "[".repeat(64) + "]".repeat(64) + "}";
    HttpResponse<String> r = send("POST", "/jobs", "{\"function\": \"echo\", \"items\": [1], \"args\": " + args65 + "}");
    assertEquals(400, r.statusCode(), r.body());
    assertJsonError(r, "args nest deeper than shoal.coordinator.limits.max-nesting-depth (64)");
  }

  @Test
  void argsOverMaxArgsBytesAreA400() throws Exception {
    String args = "{\"k\": \"" + "v".repeat(1100) + "\"}";
    HttpResponse<String> r = send("POST", "/jobs", "{\"function\": \"echo\", \"items\": [1], \"args\": " + args + "}");
    assertEquals(400, r.statusCode(), r.body());
    assertJsonError(r, "args are 1109 bytes, over shoal.coordinator.limits.max-args-bytes (1024)");
  }

  @Test
  void aJobBeyondMaxQueuedJobsIsA429WithRetryAfterAndTheQueueTakesJobsAgainOnceOneEnds() throws Exception {
    // a coordinator of its own, that holds one job at a time, behind an API of its own
    ServedCoordinator one = ServedCoordinator.start("http-api-one", "shoal.coordinator.limits.max-queued-jobs = 1",
        List.of("local"), TOKEN, READ_TOKEN);
    URI saved = base;
    try {
      base = one.base;
      String sleeper = submit("{\"function\": \"sleep\", \"items\": [600000]}");
      HttpResponse<String> r = send("POST", "/jobs", "{\"function\": \"echo\", \"items\": [1]}");
      assertEquals(429, r.statusCode(), r.body());
      assertEquals("5", r.headers().firstValue("Retry-After").orElseThrow());
      assertJsonError(r, "shoal.coordinator.limits.max-queued-jobs (1); try again later");
      send("DELETE", "/jobs/" + sleeper, null);
      // the job's results end a moment before the coordinator counts it as ended: wait for that
      results(sleeper);
      String echo = "{\"function\": \"echo\", \"items\": [7]}";
      long deadline = System.nanoTime() + PATIENCE.toNanos();
      HttpResponse<String> again = send("POST", "/jobs", echo);
      while (again.statusCode() == 429 && System.nanoTime() < deadline) {
        again = send("POST", "/jobs", echo);
      }
      assertEquals(202, again.statusCode(), again.body());
      assertEquals("{\"index\":0,\"value\":7}\n", results(JSON.readTree(again.body()).get("id").asText()));
    } finally {
      base = saved;
      one.close();
    }
  }

  @Test
  void unknownJobsAre404() throws Exception {
    for (String[] call : new String[][] {{"GET", "/jobs/nope"}, {"DELETE", "/jobs/nope"}, {"GET", "/jobs/nope/results"}}) {
      HttpResponse<String> r = send(call[0], call[1], null);
      assertEquals(404, r.statusCode(), call[0] + " " + call[1]);
      assertJsonError(r, "no job 'nope'");
    }
  }

  @Test
  void unknownPathsAre404AndWrongMethods405() throws Exception {
    HttpResponse<String> missing = send("GET", "/nothing/here", null);
    assertEquals(404, missing.statusCode());
    assertJsonError(missing, "could not be found");
    for (String[] call : new String[][] {{"PUT", "/jobs"}, {"POST", "/cluster"}, {"DELETE", "/functions"}, {"POST", "/jobs/x"}}) {
      HttpResponse<String> r = send(call[0], call[1], "{}");
      assertEquals(405, r.statusCode(), call[0] + " " + call[1]);
      assertJsonError(r, "not allowed");
    }
  }

  @Test
  void aMethodTheServerDoesNotKnowIs405WithJsonNotA501() throws Exception {
    HttpResponse<String> r = send("FOO", "/jobs", "{}");
    assertEquals(405, r.statusCode(), r.body());
    assertJsonError(r, "Unsupported HTTP method");
    assertEquals("GET, POST, DELETE", r.headers().firstValue("Allow").orElseThrow());
  }

  @Test
  void aRequestThatCannotBeParsedIs400WithJson() throws Exception {
    // HttpClient refuses to send a broken request line, so this one goes over a raw socket
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", base.getPort())) {
      socket.setSoTimeout((int) PATIENCE.toMillis());
      socket.getOutputStream().write("GET /jobs HTTP/1.1\r\nHost: x\r\nbroken header line\r\n\r\n"
          .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      String answer = new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertTrue(answer.startsWith("HTTP/1.1 400"), answer);
      assertTrue(answer.contains("Content-Type: application/json"), answer);
      JsonNode body = JSON.readTree(answer.substring(answer.indexOf("\r\n\r\n") + 4));
      assertTrue(body.get("error").isTextual(), answer);
    }
  }

  // --- scheduling fields ---

  @Test
  void aJobsPriorityAndWeightShowInItsStatusAndInTheListOfJobs() throws Exception {
    String id = submit("{\"function\": \"square\", \"range\": {\"start\": 0, \"end\": 3}, \"priority\": -3, "
        + "\"weight\": 4, \"maxInFlight\": 2, \"ratePerSecond\": 1000.5}");
    assertEquals("{\"index\":0,\"value\":0}\n{\"index\":1,\"value\":1}\n{\"index\":2,\"value\":4}\n", results(id));
    JsonNode status = status(id);
    assertEquals(-3, status.get("priority").asInt());
    assertEquals(4, status.get("weight").asInt());
    JsonNode listed = null;
    for (JsonNode j : json(send("GET", "/jobs", null)).get("jobs")) {
      listed = j.get("id").asText().equals(id) ? j : listed;
    }
    assertEquals(-3, listed.get("priority").asInt(), listed.toString());
    assertEquals(4, listed.get("weight").asInt(), listed.toString());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
      {"function": "echo", "items": [1], "priority": 1.5}|priority must be an integer, got 1.5
      {"function": "echo", "items": [1], "priority": "high"}|priority must be an integer, got "high"
      {"function": "echo", "items": [1], "priority": 2147483648}|priority must be an integer up to 2147483647, got 2147483648
      {"function": "echo", "items": [1], "weight": 0}|weight must be a positive integer, got 0
      {"function": "echo", "items": [1], "weight": -2}|weight must be a positive integer, got -2
      {"function": "echo", "items": [1], "weight": 2.5}|weight must be a positive integer, got 2.5
      {"function": "echo", "items": [1], "maxInFlight": 0}|maxInFlight must be a positive integer, got 0
      {"function": "echo", "items": [1], "maxInFlight": true}|maxInFlight must be a positive integer, got true
      {"function": "echo", "items": [1], "ratePerSecond": 0}|ratePerSecond must be a positive number, got 0
      {"function": "echo", "items": [1], "ratePerSecond": -1.5}|ratePerSecond must be a positive number, got -1.5
      {"function": "echo", "items": [1], "ratePerSecond": "10/s"}|ratePerSecond must be a positive number, got "10/s"
      {"function": "echo", "items": [1], "ratePerSecond": 1e999}|ratePerSecond must be a positive number, got 1e999
      {"function": "echo", "items": [1], "Priority": 1}|unknown field 'Priority'; a job has function, jar, items, range, upload, args, chunkSize, ordered, timeoutMs, retries, maxFailures, maxFailureRate, minItemsForRate, priority, weight, maxInFlight, ratePerSecond
      """)
  void badSchedulingFieldsAreAnswered400NamingTheField(String body, String problem) throws Exception {
    HttpResponse<String> r = send("POST", "/jobs", body);
    assertEquals(400, r.statusCode(), r.body());
    assertJsonError(r, problem);
  }

  // --- uploaded items ---

  @Test
  void anUploadJobTakesItsItemsAsJsonLinesWithABadLineAsThatItemsError() throws Exception {
    String id = submit("{\"function\": \"echo\", \"upload\": true, \"chunkSize\": 2}");
    assertEquals(-1, status(id).get("total").asLong(), "the count is not known before the upload ends");
    String items = "1\n\"two\"\n\n{\"three\":3}\nnot json\r\n[5]";
    HttpResponse<String> put = send("PUT", "/jobs/" + id + "/items", items);
    JsonNode received = json(put);
    assertEquals(items.length(), received.get("bytes").asLong());
    assertEquals(5, received.get("lines").asLong());

    String[] lines = results(id).split("\n");
    assertEquals(5, lines.length, String.join("\n", lines));
    assertEquals("{\"index\":0,\"value\":1}", lines[0]);
    assertEquals("{\"index\":1,\"value\":\"two\"}", lines[1]);
    assertEquals("{\"index\":2,\"value\":{\"three\":3}}", lines[2]);
    assertTrue(lines[3].startsWith("{\"index\":3,\"error\":{\"type\":\"InvalidItem\""), lines[3]);
    assertEquals("{\"index\":4,\"value\":[5]}", lines[4]);
    JsonNode status = status(id);
    assertEquals("COMPLETED_WITH_ERRORS", status.get("state").asText(), status.toString());
    assertEquals(5, status.get("total").asLong());
  }

  @Test
  void resultsStreamWhileTheUploadIsStillOpen() throws Exception {
    String id = submit("{\"function\": \"square\", \"upload\": true, \"chunkSize\": 1}");
    // a raw socket, as the JDK's client sends a streamed body only when its source never blocks
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", base.getPort())) {
      socket.setSoTimeout((int) PATIENCE.toMillis());
      java.io.OutputStream upload = socket.getOutputStream();
      upload.write(("PUT /jobs/" + id + "/items HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN
          + "\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n1\n2\n3\n\r\n").getBytes(StandardCharsets.US_ASCII));
      upload.flush();

      HttpResponse<java.io.InputStream> r = http.send(request("GET", "/jobs/" + id + "/results", null), BodyHandlers.ofInputStream());
      java.io.BufferedReader results = new java.io.BufferedReader(new java.io.InputStreamReader(r.body(), StandardCharsets.UTF_8));
      for (long i = 1; i <= 3; i++) {
        assertEquals("{\"index\":" + (i - 1) + ",\"value\":" + i * i + "}", within(results::readLine), describe(id));
      }
      assertEquals("RUNNING", status(id).get("state").asText(), "the first results came while the upload was still open");
      upload.write("2\r\n4\n\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      upload.flush();
      assertEquals("{\"index\":3,\"value\":16}", within(results::readLine));
      assertNull(within(results::readLine), "the stream ends with the job");
      String answer = new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
      assertEquals("HTTP/1.1 200", answer);
    }
    assertEquals("SUCCEEDED", status(id).get("state").asText());
  }

  @Test
  void aSecondUploadAJobWithItemsAndAnUnknownJobAreRefused() throws Exception {
    String id = submit("{\"function\": \"echo\", \"upload\": true}");
    assertEquals(200, send("PUT", "/jobs/" + id + "/items", "1\n").statusCode());
    HttpResponse<String> again = send("PUT", "/jobs/" + id + "/items", "2\n");
    assertEquals(409, again.statusCode(), again.body());
    assertJsonError(again, "takes no upload");

    String ranged = submit("{\"function\": \"echo\", \"range\": {\"start\": 0, \"end\": 2}}");
    HttpResponse<String> notUpload = send("PUT", "/jobs/" + ranged + "/items", "1\n");
    assertEquals(409, notUpload.statusCode(), notUpload.body());
    assertJsonError(notUpload, "takes no upload");

    HttpResponse<String> unknown = send("PUT", "/jobs/nosuchjob/items", "1\n");
    assertEquals(404, unknown.statusCode(), unknown.body());
    assertJsonError(unknown, "no job 'nosuchjob'");
    assertEquals("{\"index\":0,\"value\":1}\n", results(id), "the first upload stands");
  }

  @Test
  void anUploadCutOffMidwayFailsItsJobAndItsResultsStayReadable() throws Exception {
    String id = submit("{\"function\": \"echo\", \"upload\": true, \"chunkSize\": 1}");
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", base.getPort())) {
      socket.getOutputStream().write(("PUT /jobs/" + id + "/items HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TOKEN
          + "\r\nTransfer-Encoding: chunked\r\n\r\n6\r\n1\n2\n3\n\r\n8\r\n4\n").getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().flush();
    }
    JsonNode failed = within(() -> {
      JsonNode s = status(id);
      while (!s.get("state").asText().equals("FAILED")) {
        Thread.sleep(20);
        s = status(id);
      }
      return s;
    });
    assertTrue(failed.get("message").asText().contains("input ended before it was closed"), failed.toString());
    assertFalse(failed.get("message").asText().contains("no upload began"), "the upload began: " + failed);
    for (String line : results(id).split("\n")) {
      if (!line.isEmpty()) {
        assertTrue(JSON.readTree(line).has("index"), line);
      }
    }
  }

  @Test
  void anUploadJobWhoseUploadNeverBeginsFailsAfterTheUploadTimeout() throws Exception {
    String id = submit("{\"function\": \"echo\", \"upload\": true}");
    JsonNode failed = within(() -> {
      JsonNode s = status(id);
      while (!s.get("state").asText().equals("FAILED")) {
        Thread.sleep(50);
        s = status(id);
      }
      return s;
    });
    assertTrue(failed.get("message").asText().contains("no upload began within 3 s"), failed.toString());
    HttpResponse<String> late = send("PUT", "/jobs/" + id + "/items", "1\n");
    assertEquals(409, late.statusCode(), late.body());
  }

  @Test
  void anUploadJobRefusesItemsOrRangeBesideTheUpload() throws Exception {
    HttpResponse<String> r = send("POST", "/jobs", "{\"function\": \"echo\", \"upload\": true, \"items\": [1]}");
    assertEquals(400, r.statusCode(), r.body());
    assertJsonError(r, "one of items, range or upload");
  }

  // --- helpers ---

  private String submit(String body) throws Exception {
    HttpResponse<String> r = send("POST", "/jobs", body);
    assertEquals(202, r.statusCode(), r.body());
    return JSON.readTree(r.body()).get("id").asText();
  }

  @ParameterizedTest(name = "{0} {1} without a valid token is refused")
  @CsvSource({"GET,/jobs", "POST,/jobs", "GET,/jobs/abc", "DELETE,/jobs/abc", "GET,/jobs/abc/results", "GET,/cluster",
      "GET,/functions", "GET,/no-such-route", "PUT,/jobs"})
  void everyRouteRefusesARequestWithoutAValidToken(String method, String path) throws Exception {
    String body = method.equals("POST") ? "{\"function\":\"square\",\"range\":{\"start\":0,\"end\":3}}" : null;
    for (String authorization : new String[] {null, "Bearer wrong-token", "Basic dGVzdC1hcGktdG9rZW4=", TOKEN, "Bearer"}) {
      HttpResponse<String> r = http.send(request(method, path, body, authorization), BodyHandlers.ofString());
      assertEquals(401, r.statusCode(), method + " " + path + " with " + authorization + ": " + r.body());
      assertTrue(r.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer realm=\"shoal\""), r.headers().toString());
      assertTrue(JSON.readTree(r.body()).get("error").asText().contains("token"), r.body());
      assertFalse(r.body().contains(TOKEN), "the answer never echoes a token: " + r.body());
    }
    HttpResponse<String> inQuery = http.send(request(method, path + "?access_token=" + TOKEN, body, null), BodyHandlers.ofString());
    assertEquals(401, inQuery.statusCode(), "a token in the query string is not read: " + inQuery.body());
  }

  @Test
  void theReadOnlyTokenReadsButCannotSubmitOrCancel() throws Exception {
    String id = submit("{\"function\":\"square\",\"range\":{\"start\":0,\"end\":10}}");
    String read = "Bearer " + READ_TOKEN;
    assertEquals(200, http.send(request("GET", "/jobs/" + id, null, read), BodyHandlers.ofString()).statusCode());
    assertEquals(200, http.send(request("GET", "/cluster", null, read), BodyHandlers.ofString()).statusCode());
    HttpResponse<String> post = http.send(request("POST", "/jobs", "{\"function\":\"square\",\"range\":{\"start\":0,\"end\":3}}",
        read), BodyHandlers.ofString());
    assertEquals(403, post.statusCode(), post.body());
    assertTrue(JSON.readTree(post.body()).get("error").asText().contains("read-only"), post.body());
    assertEquals(403, http.send(request("DELETE", "/jobs/" + id, null, read), BodyHandlers.ofString()).statusCode());
  }

  /** The job's status as text, for a failure message. */
  private String describe(String id) {
    try {
      return "job " + status(id);
    } catch (Exception e) {
      return "job " + id + ": " + e;
    }
  }

  private JsonNode status(String id) throws Exception {
    return json(send("GET", "/jobs/" + id, null));
  }

  /** The job's results, read to their end, which is the job's end. */
  private String results(String id) throws Exception {
    return results(id, "");
  }

  /** The same with a query, such as {@code ?from=3}. */
  private String results(String id, String query) throws Exception {
    HttpResponse<String> r = send("GET", "/jobs/" + id + "/results" + query, null);
    assertEquals(200, r.statusCode(), r.body());
    return r.body();
  }

  private HttpRequest request(String method, String path, String body) {
    return request(method, path, body, "Bearer " + TOKEN);
  }

  private HttpRequest request(String method, String path, String body, String authorization) {
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path))
        .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body))
        .header("Content-Type", "application/json")
        .timeout(PATIENCE);
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return b.build();
  }

  private HttpResponse<String> send(String method, String path, String body) throws Exception {
    return http.send(request(method, path, body), BodyHandlers.ofString());
  }

  private static JsonNode json(HttpResponse<String> r) throws Exception {
    assertEquals(200, r.statusCode(), r.body());
    return JSON.readTree(r.body());
  }

  private static void assertJsonError(HttpResponse<String> r, String fragment) throws Exception {
    assertEquals("application/json", r.headers().firstValue("Content-Type").orElseThrow(), r.body());
    JsonNode body = JSON.readTree(r.body());
    assertTrue(body.get("error").isTextual(), r.body());
    assertTrue(body.get("error").asText().contains(fragment), "'" + fragment + "' in " + r.body());
  }

  /** Runs a blocking read with a deadline, so that a broken stream fails the test instead of hanging it. */
  private static <T> T within(Callable<T> read) throws Exception {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return read.call();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }).get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
  }

  private static String sha256(String text) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
  }
}
