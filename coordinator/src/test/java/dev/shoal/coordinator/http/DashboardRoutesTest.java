package dev.shoal.coordinator.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The dashboard's routes over a real coordinator, two real worker actors and the HTTP API with
 * tokens: the page loads without a token, its stream and a job's detail do not, the stream carries
 * the cluster and the jobs, and a job's detail what its run did.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 2, unit = TimeUnit.MINUTES) // a safety net: a stream that never says what is awaited fails its test, not the build
class DashboardRoutesTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration PATIENCE = Duration.ofSeconds(60);
  private static final String TOKEN = "dashboard-api-token";
  private static final String READ_TOKEN = "dashboard-read-token";

  private final HttpClient http = HttpClient.newHttpClient();
  private ServedCoordinator served;
  private URI base;

  @BeforeAll
  void start() throws Exception {
    served = ServedCoordinator.start("dashboard-test", "", List.of("node-a", "node-b"), TOKEN, READ_TOKEN);
    base = served.base;
  }

  @AfterAll
  void stop() throws Exception {
    served.close();
  }

  @ParameterizedTest(name = "{0} loads without a token as {1}")
  @CsvSource({"/,text/html", "/dashboard/app.js,application/javascript", "/dashboard/app.css,text/css"})
  void thePageAndItsAssetsLoadWithoutAToken(String path, String type) throws Exception {
    HttpResponse<String> r = http.send(request("GET", path, null, null), BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), path + ": " + r.body());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith(type), r.headers().toString());
    assertFalse(r.body().isBlank());
    if (path.equals("/")) {
      assertTrue(r.body().contains("/dashboard/app.js"), "the page loads its script: " + r.body());
    }
  }

  @ParameterizedTest(name = "{0} without a valid token is refused")
  @CsvSource({"/events", "/events?job=abc", "/jobs/abc/detail", "/dashboard/no-such-asset.js"})
  void theStreamAndTheDetailNeedAToken(String path) throws Exception {
    for (String authorization : new String[] {null, "Bearer wrong-token"}) {
      // read as a stream: a stream served by mistake would never end
      HttpResponse<InputStream> r = http.send(request("GET", path, null, authorization), BodyHandlers.ofInputStream());
      try (InputStream body = r.body()) {
        assertEquals(401, r.statusCode(), path + " with " + authorization + " was answered");
        String text = new String(body.readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(JSON.readTree(text).get("error").asText().contains("token"), text);
      }
    }
  }

  @Test
  void theStreamCarriesTheClusterAndARunningJobWithItsThroughput() throws Exception {
    String id = submit("{\"function\":\"sleep\",\"range\":{\"start\":0,\"end\":400},\"args\":{\"ms\":20},\"chunkSize\":2}");
    try {
      JsonNode event = awaitSnapshot("/events?job=" + id, READ_TOKEN,
          e -> e.path("job").path("status").path("done").asLong() > 0 && e.path("job").path("throughput").size() >= 2);
      assertEquals(2, event.get("cluster").get("workers").size(), event.toString());
      for (JsonNode w : event.get("cluster").get("workers")) {
        assertEquals(1, w.get("slots").asInt(), w.toString());
        assertTrue(w.has("itemsDone") && w.has("held") && w.has("lastSeenMillisAgo"), w.toString());
      }
      JsonNode listed = find(event.get("jobs").get("jobs"), id);
      assertEquals("RUNNING", listed.get("state").asText(), listed.toString());
      assertEquals(400, listed.get("total").asLong());
      assertTrue(event.get("jobs").get("byState").get("RUNNING").asLong() >= 1, event.get("jobs").toString());
      JsonNode detail = event.get("job");
      assertEquals(id, detail.get("status").get("id").asText());
      assertEquals(2, detail.get("chunkSize").asInt());
      JsonNode series = detail.get("throughput");
      for (int i = 1; i < series.size(); i++) {
        assertTrue(series.get(i).get("at").asLong() >= series.get(i - 1).get("at").asLong(), "oldest first: " + series);
        assertTrue(series.get(i).get("done").asLong() >= series.get(i - 1).get("done").asLong(), series.toString());
      }
    } finally {
      send(TOKEN, "DELETE", "/jobs/" + id);
    }
  }

  @Test
  void aStreamForAnUnknownJobSaysSoAndGoesOnWithTheCluster() throws Exception {
    JsonNode event = awaitSnapshot("/events?job=nope", TOKEN, e -> true);
    assertTrue(event.get("job").isNull(), event.toString());
    assertTrue(event.get("jobError").asText().contains("no job 'nope'"), event.toString());
    assertEquals(2, event.get("cluster").get("workers").size(), event.toString());
  }

  @Test
  void aFinishedJobsDetailNamesItsFirstErrorsAndTheWorkersThatRanIt() throws Exception {
    String id = submit("{\"function\":\"fail\",\"range\":{\"start\":0,\"end\":30},\"args\":{\"items\":[3,17,25]},\"chunkSize\":5}");
    HttpResponse<String> results = send(TOKEN, "GET", "/jobs/" + id + "/results");
    assertEquals(200, results.statusCode(), results.body());

    HttpResponse<String> r = send(READ_TOKEN, "GET", "/jobs/" + id + "/detail");
    assertEquals(200, r.statusCode(), r.body());
    JsonNode detail = JSON.readTree(r.body());
    assertEquals("COMPLETED_WITH_ERRORS", detail.get("status").get("state").asText(), r.body());
    List<Long> failed = new ArrayList<>();
    for (JsonNode e : detail.get("firstErrors")) {
      failed.add(e.get("index").asLong());
      assertTrue(e.get("type").asText().contains("RequestedFailure"), e.toString());
      assertTrue(e.get("message").asText().contains("fail was asked to fail item " + e.get("index").asLong()), e.toString());
    }
    assertEquals(List.of(3L, 17L, 25L), failed.stream().sorted().toList(), r.body());
    long ran = 0;
    for (JsonNode w : detail.get("workers")) {
      assertTrue(w.get("node").asText().startsWith("worker-node-"), w.toString());
      ran += w.get("items").asLong();
    }
    assertEquals(30, ran, "every item was run by some worker, once: " + detail.get("workers"));
    assertEquals(5, detail.get("chunkSize").asInt());
    assertEquals(0, detail.get("resentChunks").asLong());
    assertEquals(0, detail.get("lostWorkers").asInt());
    JsonNode last = detail.get("throughput").get(detail.get("throughput").size() - 1);
    assertEquals(30, last.get("done").asLong(), "the series ends with the job's end: " + detail.get("throughput"));

    HttpResponse<String> unknown = send(TOKEN, "GET", "/jobs/nope/detail");
    assertEquals(404, unknown.statusCode(), unknown.body());
    assertTrue(JSON.readTree(unknown.body()).get("error").asText().contains("no job 'nope'"), unknown.body());
  }

  /** Reads {@code path}'s event stream until a {@code snapshot} event satisfies {@code ok}. */
  private JsonNode awaitSnapshot(String path, String token, Predicate<JsonNode> ok) throws Exception {
    HttpResponse<InputStream> r = http.send(request("GET", path, null, "Bearer " + token), BodyHandlers.ofInputStream());
    assertEquals(200, r.statusCode());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/event-stream"), r.headers().toString());
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    String last = "(no event)";
    try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
      // a frame's lines come in any order and end with an empty line
      String event = null;
      String data = null;
      for (String line; (line = in.readLine()) != null && System.nanoTime() < deadline; ) {
        if (line.startsWith("event:")) {
          event = line.substring("event:".length()).strip();
        } else if (line.startsWith("data:")) {
          data = line.substring("data:".length());
        } else if (line.isEmpty()) {
          if ("snapshot".equals(event) && data != null) {
            last = data;
            JsonNode snapshot = JSON.readTree(data);
            if (ok.test(snapshot)) {
              return snapshot;
            }
          }
          event = null;
          data = null;
        }
      }
    }
    return fail("no snapshot on " + path + " showed what was awaited; the last: " + last);
  }

  private static JsonNode find(JsonNode jobs, String id) {
    for (JsonNode j : jobs) {
      if (j.get("id").asText().equals(id)) {
        return j;
      }
    }
    return fail("job " + id + " is not among " + jobs);
  }

  private String submit(String body) throws Exception {
    HttpResponse<String> r = http.send(request("POST", "/jobs", body, "Bearer " + TOKEN), BodyHandlers.ofString());
    assertEquals(202, r.statusCode(), r.body());
    return JSON.readTree(r.body()).get("id").asText();
  }

  private HttpResponse<String> send(String token, String method, String path) throws Exception {
    return http.send(request(method, path, null, "Bearer " + token), BodyHandlers.ofString());
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
}
