package dev.shoal.coordinator.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.shoal.coordinator.Coordinator;
import dev.shoal.coordinator.CoordinatorSettings;
import dev.shoal.protocol.CoordinatorProtocol;
import dev.shoal.protocol.FunctionRegistry;
import dev.shoal.worker.Worker;
import dev.shoal.worker.WorkerExecutors;
import dev.shoal.worker.WorkerSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
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

  private final HttpClient http = HttpClient.newHttpClient();
  private ActorTestKit kit;
  private WorkerExecutors executors;
  private ServerBinding binding;
  private URI base;

  /** Made here, not by @TempDir: a per-class instance is not injected before @BeforeAll runs. */
  private Path spool;

  @BeforeAll
  void start() throws Exception {
    spool = Files.createTempDirectory("shoal-http-test");
    Config config = ConfigFactory.parseString("""
        pekko.actor.provider = local
        shoal.coordinator.spool-dir = "%s"
        shoal.coordinator.http.max-body = 1m
        """.formatted(spool)).withFallback(ConfigFactory.load());
    kit = ActorTestKit.create("http-api-test", config);
    FunctionRegistry functions = FunctionRegistry.load(null, true);
    ActorRef<CoordinatorProtocol.Command> coordinator =
        kit.spawn(Coordinator.create(functions, CoordinatorSettings.fromConfig(config)), "coordinator");
    executors = new WorkerExecutors(2, 64);
    WorkerSettings workerSettings = WorkerSettings.fromConfig(config).withSlots(1);
    for (int i = 1; i <= 2; i++) {
      kit.spawn(Worker.create(coordinator, workerSettings, functions, executors, "local"), "worker-" + i);
    }
    binding = HttpApi.start(kit.system(), coordinator, "127.0.0.1", 0).toCompletableFuture().get(30, TimeUnit.SECONDS);
    base = URI.create("http://127.0.0.1:" + binding.localAddress().getPort());
  }

  @AfterAll
  void stop() throws Exception {
    binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    kit.shutdownTestKit();
    executors.close();
    try (var files = Files.walk(spool)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
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
    long submittedAt = status.get("submittedAt").asLong();
    long startedAt = status.get("startedAt").asLong();
    long finishedAt = status.get("finishedAt").asLong();
    assertTrue(submittedAt > 0 && submittedAt <= startedAt && startedAt <= finishedAt, status.toString());
    assertEquals(finishedAt - submittedAt, status.get("jobMillis").asLong(), status.toString());
    assertEquals(2000 * 1000.0 / Math.max(1, finishedAt - submittedAt), status.get("itemsPerSecond").asDouble(), 1e-6,
        status.toString());
    assertTrue(status.get("ordered").asBoolean(), status.toString());
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
  void itemsOfAnyJsonComeBackAsTheyWent() throws Exception {
    String id = submit("{\"function\": \"echo\", \"items\": [\"a\\\"b\", {\"x\": [1, 2.5, null]}, true], \"ordered\": false, "
        + "\"args\": {\"unused\": 1}, \"chunkSize\": 2, \"timeoutMs\": 60000}");
    List<String> lines = results(id).lines().sorted().toList();
    assertEquals(List.of("{\"index\":0,\"value\":\"a\\\"b\"}", "{\"index\":1,\"value\":{\"x\":[1,2.5,null]}}",
        "{\"index\":2,\"value\":true}"), lines);
    assertFalse(status(id).get("ordered").asBoolean());
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
      {"function": "echo", "items": [1], "range": {"start": 0, "end": 1}}|either items or range, not both
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
      {"function": "echo", "items": [1], "chunkSize": 99999999999}|chunkSize must be
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
  void anEmptyBodyIsA400() throws Exception {
    assertJsonError(send("POST", "/jobs", ""), "the body must be a JSON object");
    assertEquals(400, send("POST", "/jobs", "").statusCode());
  }

  @Test
  void aBodyOverTheLimitIsA413() throws Exception {
    StringBuilder body = new StringBuilder("{\"function\": \"echo\", \"items\": [0");
    while (body.length() < 1_200_000) {
      body.append(",123456789");
    }
    HttpResponse<String> r = send("POST", "/jobs", body.append("]}").toString());
    assertEquals(413, r.statusCode(), r.body());
    assertJsonError(r, "larger than the limit");
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

  // --- helpers ---

  private String submit(String body) throws Exception {
    HttpResponse<String> r = send("POST", "/jobs", body);
    assertEquals(202, r.statusCode(), r.body());
    return JSON.readTree(r.body()).get("id").asText();
  }

  private JsonNode status(String id) throws Exception {
    return json(send("GET", "/jobs/" + id, null));
  }

  /** The job's results, read to their end, which is the job's end. */
  private String results(String id) throws Exception {
    HttpResponse<String> r = send("GET", "/jobs/" + id + "/results", null);
    assertEquals(200, r.statusCode(), r.body());
    return r.body();
  }

  private HttpRequest request(String method, String path, String body) {
    return HttpRequest.newBuilder(base.resolve(path))
        .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body))
        .header("Content-Type", "application/json")
        .timeout(PATIENCE)
        .build();
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
