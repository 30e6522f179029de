package dev.shoal.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A coordinator process killed with {@code kill -9} in the middle of its jobs and started again with
 * the same command and data folder (its embedded H2 journal): every job it had accepted finishes,
 * with the results an undisturbed run gives, byte for byte. And the one way to opt out, {@code
 * --no-journal}: what a restart then forgets.
 */
// several JVMs on two cores for minutes: the default two-minute net is for hangs, not for this
@Timeout(value = 6, unit = java.util.concurrent.TimeUnit.MINUTES)
class DurableCoordinatorIT {

  @Test
  void aJobWhoseCoordinatorIsKilledThreeTimesEndsWithTheResultsOfAnUndisturbedRun() throws Exception {
    try (Cluster c = new Cluster("durable-kills", false)) {
      c.startWorker(1);
      c.startWorker(1);
      c.awaitWorkers(2);
      String job = "{\"function\":\"sha256\",\"range\":{\"start\":0,\"end\":2000},\"args\":{\"rounds\":20000},"
          + "\"chunkSize\":10}";
      String id = c.submit(job);
      for (int quarter = 1; quarter <= 3; quarter++) {
        long at = 2000L * quarter / 4;
        JsonNode s = c.awaitJson("/jobs/" + id, j -> j.path("done").asLong() >= at, Duration.ofSeconds(180),
            at + " items done");
        assertEquals("RUNNING", s.path("state").asText(), "killed mid-job: " + s);
        c.restartCoordinator();
        c.awaitWorkers(2);
      }
      JsonNode end = c.awaitJson("/jobs/" + id, j -> j.path("state").asText().equals("SUCCEEDED"),
          Duration.ofSeconds(180), "the job to end after three kills");
      assertEquals(2000, end.path("done").asLong(), end.toString());
      String afterKills = body(c, id);

      String undisturbed = c.submit(job);
      c.awaitJson("/jobs/" + undisturbed, j -> j.path("state").asText().equals("SUCCEEDED"), Duration.ofSeconds(180),
          "the undisturbed run");
      assertEquals(body(c, undisturbed), afterKills, "the results after three kills are those of an undisturbed run");
      assertEquals(2000, afterKills.split("\n").length);
      assertTrue(c.coordinator.logText().contains("recovered"), c.coordinator.logText());
    }
  }

  @Test
  void aJobOfManySmallChunksKilledUnderLoadLosesAndRepeatsNoLine() throws Exception {
    try (Cluster c = new Cluster("durable-small-chunks", false)) {
      c.startWorker(2);
      c.startWorker(2);
      c.awaitWorkers(2);
      int n = 200_000;
      String id = c.submit("{\"function\":\"square\",\"range\":{\"start\":0,\"end\":" + n + "},\"chunkSize\":5}");
      String queued = c.submit("{\"function\":\"square\",\"range\":{\"start\":0,\"end\":1000},\"chunkSize\":5}");
      for (double share : new double[] {0.3, 0.6}) {
        long at = (long) (n * share);
        c.awaitJson("/jobs/" + id, j -> j.path("done").asLong() >= at, Duration.ofSeconds(180), at + " items done");
        c.restartCoordinator();
      }
      c.awaitJson("/jobs/" + id, j -> j.path("state").asText().equals("SUCCEEDED"), Duration.ofSeconds(180),
          "the job of " + (n / 5) + " chunks to end");
      String[] lines = body(c, id).split("\n");
      assertEquals(n, lines.length, "one line per item");
      for (int i = 0; i < n; i++) {
        assertEquals("{\"index\":" + i + ",\"value\":" + ((long) i * i) + "}", lines[i], "line " + i);
      }
      c.awaitJson("/jobs/" + queued, j -> j.path("state").asText().equals("SUCCEEDED"), Duration.ofSeconds(60),
          "the job queued behind it, accepted before the kills");
      assertEquals(1000, body(c, queued).split("\n").length);
    }
  }

  @Test
  void aCoordinatorStartedWithNoJournalRunsJobsAndARestartForgetsThem() throws Exception {
    try (Cluster c = new Cluster("no-journal", java.util.List.of("--no-journal"))) {
      assertTrue(c.coordinator.logText().contains("jobs are not journaled"), c.coordinator.logText());
      c.startWorker(1);
      c.awaitWorkers(1);
      String id = c.submit("{\"function\":\"square\",\"range\":{\"start\":0,\"end\":3000}}");
      c.awaitJson("/jobs/" + id, j -> j.path("state").asText().equals("SUCCEEDED"), Duration.ofSeconds(120), "the job");
      String[] lines = body(c, id).split("\n");
      assertEquals(3000, lines.length);
      assertEquals("{\"index\":2999,\"value\":8994001}", lines[2999]);

      c.restartCoordinator();
      c.awaitWorkers(1);
      assertEquals(404, c.get("/jobs/" + id).statusCode(), "nothing was journaled: the restarted coordinator never heard of it");
      String again = c.submit("{\"function\":\"square\",\"range\":{\"start\":0,\"end\":10}}");
      c.awaitJson("/jobs/" + again, j -> j.path("state").asText().equals("SUCCEEDED"), Duration.ofSeconds(120),
          "a job on the restarted coordinator, its scratch database emptied");
      assertEquals(10, body(c, again).split("\n").length);
    }
  }

  private static String body(Cluster c, String id) throws Exception {
    HttpResponse<String> r = c.get("/jobs/" + id + "/results");
    assertEquals(200, r.statusCode(), r.body());
    return r.body();
  }
}
