package dev.shoal.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What happens to the rest of the cluster when the coordinator's JVM is killed: Shoal's downing
 * ({@code shoal.downing}) either hands the coordinator to a standby, or makes the workers exit
 * non-zero so that their supervisor starts fresh ones; no worker is left as a zombie.
 */
class DowningIT {

  @Test
  void aWorkerThatHasLostItsCoordinatorForGoodExitsNonZero() throws Exception {
    try (Cluster c = new Cluster("downing-alone", false)) {
      Node worker = c.startWorker(1);
      c.awaitWorkers(1);
      c.coordinator.kill();
      // worker-gives-up-after (20 s) plus the node's coordinated shutdown, with room for a slow machine
      assertTrue(worker.process.waitFor(90, TimeUnit.SECONDS), "the worker exits by itself:\n" + worker.logText());
      assertEquals(255, worker.process.exitValue(), "the cluster-downing exit code:\n" + worker.logText());
      assertTrue(worker.logText().contains("the coordinator has been unreachable"), worker.logText());
    }
  }

  @Test
  void aStandbyCoordinatorTakesOverAndTheWorkersStayAndServeIt() throws Exception {
    try (Cluster c = new Cluster("downing-standby", false)) {
      int standbyHttp = Node.freePort();
      Node standby = c.startStandby(standbyHttp);
      Node worker = c.startWorker(2);
      c.awaitWorkers(1);
      c.awaitJson("/cluster", j -> j.path("members").size() == 3
          && allUp(j.path("members")), Duration.ofSeconds(60), "the standby and the worker Up");
      c.coordinator.kill();

      c.awaitJson(standby, standbyHttp, "/cluster", j -> j.path("workers").size() == 1, Duration.ofSeconds(90),
          "the standby's HTTP API with the worker registered");
      HttpResponse<String> r = c.send(standbyHttp, "POST", "/jobs", "{\"function\":\"square\",\"range\":{\"start\":0,\"end\":2000}}");
      assertEquals(202, r.statusCode(), r.body());
      String id = Cluster.JSON.readTree(r.body()).get("id").asText();
      c.awaitJson(standby, standbyHttp, "/jobs/" + id, j -> j.get("state").asText().equals("SUCCEEDED"),
          Duration.ofSeconds(90), "the job on the new coordinator");
      HttpResponse<String> results = c.send(standbyHttp, "GET", "/jobs/" + id + "/results", null);
      List<JsonNode> lines = new ArrayList<>();
      for (String line : results.body().split("\n")) {
        if (!line.isBlank()) {
          lines.add(Cluster.JSON.readTree(line));
        }
      }
      ClusterIT.assertInputOrderExactlyOnce(lines, 2000);
      for (int i = 0; i < 2000; i++) {
        assertEquals((long) i * i, lines.get(i).get("value").asLong(), "item " + i);
      }
      assertTrue(worker.process.isAlive(), "the worker never gave up:\n" + worker.logText());
      assertTrue(standby.logText().contains("this standby takes over"), standby.logText());
    }
  }

  private static boolean allUp(JsonNode members) {
    for (JsonNode m : members) {
      if (!m.get("status").asText().equals("Up")) {
        return false;
      }
    }
    return true;
  }
}
