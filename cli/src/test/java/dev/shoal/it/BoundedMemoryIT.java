package dev.shoal.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * One large job on a coordinator with a small heap: ten million squares through a coordinator
 * JVM of {@code -Xmx64m} that exits on its first OutOfMemoryError. Holding the job's items or its
 * results (ten million longs alone are 80 MB) would end it; reading items lazily, holding only a
 * window of chunks and storing results in the journal as rows of about 256 KiB (a chunk here is a
 * hundred thousand items, 3.8 MB of text) lets it run to the end. Then hundreds of small jobs and a
 * restart that recovers them all, within the same heap.
 */
// several JVMs on two cores for minutes: the default two-minute net is for hangs, not for this
@Timeout(value = 6, unit = java.util.concurrent.TimeUnit.MINUTES)
class BoundedMemoryIT {

  private static final long N = 10_000_000;

  @Test
  void tenMillionSquaresRunThroughACoordinatorWithA64MbHeap() throws Exception {
    try (Cluster c = new Cluster("memory", false, null, List.of("-Xmx64m", "-XX:+ExitOnOutOfMemoryError"), List.of())) {
      c.startWorker(2);
      c.startWorker(2);
      c.awaitWorkers(2);
      String id = c.submit("{\"function\":\"square\",\"range\":{\"start\":0,\"end\":" + N + "}}");

      HttpResponse<Stream<String>> r = c.http.send(HttpRequest.newBuilder(URI.create(c.url("/jobs/" + id + "/results")))
          .header("Authorization", "Bearer " + c.token())
          .timeout(Duration.ofMinutes(5)).build(), HttpResponse.BodyHandlers.ofLines());
      assertEquals(200, r.statusCode());
      long i = 0;
      try (Stream<String> lines = r.body()) {
        for (Iterator<String> it = lines.iterator(); it.hasNext(); i++) {
          String line = it.next();
          // compared as text: parsing ten million lines would make this test slow, not stricter
          if (!line.equals("{\"index\":" + i + ",\"value\":" + (i * i) + "}")) {
            throw new AssertionError("line " + i + ": " + line);
          }
        }
      }
      assertEquals(N, i, "one line per item");
      assertEquals("SUCCEEDED", c.status(id).get("state").asText());
      assertTrue(c.coordinator.process.isAlive(), "the coordinator never ran out of heap:\n" + c.coordinator.logText());

      // a history of many small jobs, then a restart that recovers them all: an ended job holds no
      // buffers (one of 320 KiB each ran the recovering coordinator out of heap)
      String last = null;
      for (int j = 0; j < HISTORY; j++) {
        last = c.submit("{\"function\":\"square\",\"range\":{\"start\":" + j + ",\"end\":" + (j + 1) + "}}");
      }
      String lastJob = last;
      c.awaitJson("/jobs/" + lastJob, s -> s.get("state").asText().equals("SUCCEEDED"), Duration.ofSeconds(120),
          "the last of " + HISTORY + " small jobs");
      c.restartCoordinator();
      assertEquals("SUCCEEDED", c.status(id).get("state").asText(), "the large job, recovered as ended");
      assertEquals((long) (HISTORY - 1) * (HISTORY - 1), c.results(lastJob).get(0).get("value").asLong());
      assertTrue(c.coordinator.process.isAlive(), "the restarted coordinator never ran out of heap:\n"
          + c.coordinator.logText());
    }
  }

  private static final int HISTORY = 400;
}
