package dev.shoal.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The latency of a single-item job over HTTP on a warm cluster: {@code POST /jobs?wait=true}, whose
 * answer is the job's results, read to their end, with one reused {@link HttpClient} (keep-alive),
 * one job at a time. Every answer is checked, so a fast error is not counted as a round trip.
 */
final class HttpRoundTrip {

  /** What one round trip is, for a report's note. */
  static final String HOW = "POST /jobs?wait=true answered with the results, java.net.http with a reused client";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String url;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  private final String authorization;
  /** The next job's item, so that no two jobs of a series ask the same. */
  private long next;

  HttpRoundTrip(String url, String token) {
    this.url = url;
    this.authorization = "Bearer " + token;
  }

  /**
   * @param warmups uncounted jobs first: the coordinator's JIT keeps compiling the HTTP and job paths
   *     for a few thousand requests, and on two busy cores a short warm-up measures the compiler
   */
  void measure(Report report, int warmups, int jobs) throws IOException, InterruptedException {
    Progress.say("  HTTP single-item round trip, %d jobs after %d warm-ups ...", jobs, warmups);
    warm(warmups);
    List<Double> ms = time(jobs);
    String how = String.format(Locale.ROOT, "%d jobs of one square item, one after another, after %d warm-up jobs: %s; "
        + "min %.2f ms, max %.2f ms", jobs, warmups, HOW, Stats.min(ms), Stats.max(ms));
    report.extras.add(new Report.Extra(Targets.HTTP_P50, Stats.percentile(ms, 50), "ms", how));
    report.extras.add(new Report.Extra(Targets.HTTP_P99, Stats.percentile(ms, 99), "ms", how));
    Progress.say("  HTTP round trip: p50 %.2f ms, p99 %.2f ms", Stats.percentile(ms, 50), Stats.percentile(ms, 99));
  }

  /** Runs {@code jobs} uncounted jobs, one after another. */
  void warm(int jobs) throws IOException, InterruptedException {
    for (int i = 0; i < jobs; i++) {
      once(next++);
    }
  }

  /** Runs {@code jobs} jobs one after another and returns each one's round trip in milliseconds. */
  List<Double> time(int jobs) throws IOException, InterruptedException {
    List<Double> ms = new ArrayList<>(jobs);
    for (int i = 0; i < jobs; i++) {
      long x = next++;
      long t0 = System.nanoTime();
      once(x);
      ms.add((System.nanoTime() - t0) / 1e6);
    }
    return ms;
  }

  /** One job of the item {@code x}; fails unless the result is x². */
  private void once(long x) throws IOException, InterruptedException {
    String body = "{\"function\":\"square\",\"items\":[" + x + "]}";
    HttpResponse<String> results = http.send(HttpRequest.newBuilder(URI.create(url + "/jobs?wait=true"))
        .header("Content-Type", "application/json")
        .header("Authorization", authorization)
        .timeout(Duration.ofSeconds(10))
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    String id = results.headers().firstValue("Location").orElse("(no Location)");
    if (results.statusCode() != 200) {
      throw new IllegalStateException("POST /jobs?wait=true answered " + results.statusCode() + ": " + results.body());
    }
    JsonNode line = JSON.readTree(results.body().strip());
    if (line.path("value").asLong() != x * x) {
      throw new IllegalStateException(id + " answered " + results.body().strip() + " for square(" + x + ")");
    }
  }
}
