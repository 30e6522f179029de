package dev.shoal.coordinator.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shoal.coordinator.metrics.PrometheusText;
import dev.shoal.protocol.WorkerProtocol;
import dev.shoal.worker.Worker;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code GET /metrics} over a real coordinator, two real workers (on nodes {@code node-a} and
 * {@code node-b}) and the HTTP API, scraped as Prometheus would and read with a strict parser
 * ({@link PrometheusText}): the figures are those of what the jobs and workers did.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetricsEndpointTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration PATIENCE = Duration.ofSeconds(60);
  private static final String TOKEN = "metrics-api-token";
  private static final String READ_TOKEN = "metrics-read-token";

  private final HttpClient http = HttpClient.newHttpClient();
  private ServedCoordinator served;
  private URI base;

  @BeforeAll
  void start() throws Exception {
    served = ServedCoordinator.start("metrics-test", "", List.of("node-a", "node-b"), TOKEN, READ_TOKEN);
    base = served.base;
    awaitScrape(m -> m.value("shoal_workers") == 2, "both workers are known");
  }

  @AfterAll
  void stop() throws Exception {
    served.close();
  }

  @Test
  void aJobsItemsErrorsChunksAndResultBytesAreCountedByFunctionAndTheWorkersByNode() throws Exception {
    PrometheusText before = scrape();
    double chunksBefore = before.value("shoal_chunk_run_seconds_count");
    double finishedBefore = before.valueOr("shoal_jobs_finished_total", 0, "state", "COMPLETED_WITH_ERRORS");
    double bytesBefore = before.value("shoal_result_bytes_written_total");
    double nodeItemsBefore = before.value("shoal_worker_items_done_total", "node", "node-a")
        + before.value("shoal_worker_items_done_total", "node", "node-b");

    // 40 items in chunks of 5: 8 chunks, 3 items fail
    String items = IntStream.range(0, 40).mapToObj(Integer::toString).collect(Collectors.joining(","));
    HttpResponse<String> submitted = send(TOKEN, "POST", "/jobs", "{\"function\": \"fail\", \"items\": [" + items
        + "], \"args\": {\"items\": [3, 17, 38]}, \"chunkSize\": 5}");
    assertEquals(202, submitted.statusCode(), submitted.body());
    String id = JSON.readTree(submitted.body()).get("id").asText();
    HttpResponse<byte[]> results = http.send(request(TOKEN, "/jobs/" + id + "/results")
        .header("Accept", dev.shoal.api.ResultFrames.MEDIA_TYPE).GET().build(), BodyHandlers.ofByteArray());
    assertEquals(200, results.statusCode());

    PrometheusText m = awaitScrape(s -> s.valueOr("shoal_jobs_finished_total", 0, "state", "COMPLETED_WITH_ERRORS")
        == finishedBefore + 1, "the job's end is counted");
    assertEquals(40, m.value("shoal_items_done_total", "function", "fail") - before.valueOr("shoal_items_done_total", 0,
        "function", "fail"));
    assertEquals(3, m.value("shoal_items_failed_total", "function", "fail") - before.valueOr("shoal_items_failed_total", 0,
        "function", "fail"));
    assertEquals(1, m.value("shoal_jobs", "state", "COMPLETED_WITH_ERRORS"));
    assertEquals(0, m.value("shoal_jobs", "state", "RUNNING"));
    assertEquals(0, m.value("shoal_jobs", "state", "QUEUED"));
    assertEquals(0, m.value("shoal_chunks_in_flight"));
    assertEquals(0, m.value("shoal_chunks_pending"));
    assertEquals(8, m.value("shoal_chunk_run_seconds_count") - chunksBefore, "one run time per chunk answered");
    assertEquals(m.value("shoal_chunk_run_seconds_count"), m.value("shoal_chunk_queue_wait_seconds_count"));
    assertEquals(m.value("shoal_chunk_run_seconds_count"), m.value("shoal_chunk_run_seconds_bucket", "le", "+Inf"));
    assertEquals(results.body().length, m.value("shoal_result_bytes_written_total") - bytesBefore,
        "the bytes of the stored results, which the results stream sent as stored");
    assertEquals(0, m.value("shoal_chunks_resent_total"));

    // the workers' own figures come with their demand, a little after their last chunk
    PrometheusText w = awaitScrape(s -> s.value("shoal_worker_items_done_total", "node", "node-a")
        + s.value("shoal_worker_items_done_total", "node", "node-b") == nodeItemsBefore + 40
        && s.value("shoal_slots_busy") == 0, "the workers report their 40 items and idle slots");
    assertEquals(2, w.value("shoal_workers"));
    assertEquals(2, w.value("shoal_slots"));
    assertEquals(1, w.value("shoal_worker_slots", "node", "node-a"));
    assertEquals(1, w.value("shoal_worker_slots", "node", "node-b"));
    assertTrue(w.value("shoal_worker_heap_used_bytes", "node", "node-a") > 0);
    double cpu = w.value("shoal_worker_cpu_load", "node", "node-b");
    assertTrue(cpu >= 0 && cpu <= 1, "a load between 0 and 1: " + cpu);
  }

  @Test
  void theJvmsOwnMetricsAreServedToo() throws Exception {
    PrometheusText m = scrape();
    assertEquals("gauge", m.type("jvm_memory_used_bytes"));
    assertTrue(m.value("jvm_memory_used_bytes", "area", "heap") > 0);
    assertTrue(m.value("jvm_threads_current") > 0);
    assertEquals("histogram", m.type("shoal_chunk_run_seconds"));
    assertEquals("counter", m.type("shoal_workers_lost_total"));
    assertEquals("counter", m.type("jvm_threads_started_total"));
    assertEquals("gauge", m.type("shoal_jobs"));
  }

  @Test
  void aLostWorkerIsCountedAndItsNodesSeriesGo() throws Exception {
    ActorRef<WorkerProtocol.Command> doomed =
        served.kit.spawn(Worker.create(served.coordinator, served.workerSettings, served.functions, served.executors,
            "node-doomed"), "worker-doomed");
    // a scrape reads its figures one after another, so the worker may join between two of them: wait for both
    PrometheusText with = awaitScrape(s -> s.valueOr("shoal_worker_slots", -1, "node", "node-doomed") == 1
        && s.value("shoal_workers") == 3, "the third worker and its node appear");
    double lostBefore = with.value("shoal_workers_lost_total");

    served.kit.stop(doomed);

    PrometheusText without = awaitScrape(s -> s.value("shoal_workers") == 2, "the stopped worker is gone");
    assertEquals(lostBefore + 1, without.value("shoal_workers_lost_total"));
    for (String name : new String[] {"shoal_worker_slots", "shoal_worker_slots_busy", "shoal_worker_heap_used_bytes",
        "shoal_worker_cpu_load", "shoal_worker_items_done_total"}) {
      assertNull(without.sample(name, "node", "node-doomed"), name + " of the gone node");
    }
    assertEquals(1, without.value("shoal_worker_slots", "node", "node-a"), "the other nodes stay");
  }

  @Test
  void metricsNeedATokenAndTheReadOnlyOneIsEnough() throws Exception {
    HttpResponse<String> none = http.send(HttpRequest.newBuilder(base.resolve("/metrics")).GET().build(),
        BodyHandlers.ofString());
    assertEquals(401, none.statusCode());
    assertTrue(none.headers().firstValue("WWW-Authenticate").orElseThrow().startsWith("Bearer"));
    assertEquals(401, send("wrong-token", "GET", "/metrics", null).statusCode());
    HttpResponse<String> read = send(READ_TOKEN, "GET", "/metrics", null);
    assertEquals(200, read.statusCode());
    assertEquals("text/plain; version=0.0.4; charset=utf-8",
        read.headers().firstValue("Content-Type").orElseThrow().toLowerCase(java.util.Locale.ROOT));
    assertEquals(405, send(TOKEN, "POST", "/metrics", "").statusCode());
  }

  @Test
  void theParserRefusesTextThatIsNotPrometheusFormat() {
    assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse("up 1\n"), "a sample without # TYPE");
    assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse("# TYPE up gauge\nup{a=\"1\" 1\n"),
        "an unclosed label set");
    assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse("# TYPE up gauge\nup one\n"),
        "a value that is no number");
    assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse("# TYPE up gauge\nup 1\nup 2\n"),
        "a series twice");
    assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse("# TYPE up gauge\nup 1"),
        "no final newline");
    assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse(
        "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_count 1\nh_sum 0.5\n"),
        "buckets that are not cumulative");
    assertThrows(IllegalArgumentException.class, () -> PrometheusText.parse(
        "# TYPE c_total counter\nc_total -1\n"), "a negative counter");
  }

  // --- helpers ---

  private PrometheusText scrape() throws Exception {
    HttpResponse<String> r = send(TOKEN, "GET", "/metrics", null);
    assertEquals(200, r.statusCode(), r.body());
    return PrometheusText.parse(r.body());
  }

  /** Scrapes until {@code condition} holds, for up to {@link #PATIENCE}; fails naming {@code what}. */
  private PrometheusText awaitScrape(Predicate<PrometheusText> condition, String what) throws Exception {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    PrometheusText last = null;
    while (System.nanoTime() < deadline) {
      last = scrape();
      try {
        if (condition.test(last)) {
          return last;
        }
      } catch (AssertionError absentYet) {
        // a series the condition reads is not there yet
      }
      Thread.sleep(20);
    }
    throw new AssertionError("within " + PATIENCE + ": " + what + "; last scrape:\n" + last);
  }

  private HttpRequest.Builder request(String token, String path) {
    return HttpRequest.newBuilder(base.resolve(path)).timeout(PATIENCE).header("Authorization", "Bearer " + token);
  }

  private HttpResponse<String> send(String token, String method, String path, String body) throws Exception {
    HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8);
    return http.send(request(token, path).method(method, publisher).build(), BodyHandlers.ofString());
  }
}
