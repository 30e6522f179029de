package dev.shoal.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Cluster behaviour with real JVMs and real sockets on loopback: a coordinator and worker nodes
 * started from the packaged jar, driven through the HTTP API. Failures are real too: {@code kill -9}
 * (destroyForcibly), a worker JVM halting on a poison item, SIGTERM.
 */
class ClusterIT {

  @Test
  void sha256OverTwoWorkerJvmsMatchesTheAnchor() throws Exception {
    try (Cluster c = new Cluster("sha", false)) {
      c.startWorker(2);
      c.startWorker(2);
      c.awaitWorkers(2);
      String id = c.submit("{\"function\":\"sha256\",\"range\":{\"start\":0,\"end\":2000}}");
      List<JsonNode> results = c.results(id);
      assertEquals(anchor("sha"), valuesDigest(results), c.logs());
      assertEquals("SUCCEEDED", c.status(id).get("state").asText());
    }
  }

  @Test
  void aWorkerKilledMidJobLosesNoResultAndDuplicatesNone() throws Exception {
    try (Cluster c = new Cluster("kill", false)) {
      c.startWorker(2);
      Node victim = c.startWorker(2);
      c.awaitWorkers(2);
      String id = c.submit("{\"function\":\"sleep\",\"range\":{\"start\":0,\"end\":300},\"args\":{\"ms\":100},\"chunkSize\":3}");
      JsonNode before = c.awaitJson("/jobs/" + id, s -> s.get("done").asLong() >= 30, Duration.ofSeconds(60), "30 items done");
      assertEquals("RUNNING", before.get("state").asText());
      victim.kill();
      List<JsonNode> results = c.results(id);
      assertInputOrderExactlyOnce(results, 300);
      for (JsonNode r : results) {
        assertEquals(r.get("index").asLong(), r.get("value").asLong());
      }
      assertEquals("SUCCEEDED", c.status(id).get("state").asText());
      assertTrue(c.coordinator.logText().contains("worker lost"), "the coordinator noticed the loss:\n" + c.logs());
    }
  }

  @Test
  void aWorkerJoiningMidJobTakesChunks() throws Exception {
    try (Cluster c = new Cluster("join", false)) {
      c.startWorker(1);
      c.awaitWorkers(1);
      // about thirty seconds of work for one worker (sleep runs a chunk's items at once): a worker JVM
      // that starts and joins on a loaded machine (ten seconds or more on two busy cores) finds most left
      String id = c.submit("{\"function\":\"sleep\",\"range\":{\"start\":0,\"end\":600},\"args\":{\"ms\":100},\"chunkSize\":2}");
      c.awaitJson("/jobs/" + id, s -> s.get("done").asLong() >= 4, Duration.ofSeconds(60), "the job under way");
      Node late = c.startWorker(1);
      String latePort = ":" + late.port;
      c.awaitJson("/cluster", cl -> {
        for (JsonNode w : cl.get("workers")) {
          if (w.get("node").asText().endsWith(latePort) && w.get("held").asLong() > 0) {
            return true;
          }
        }
        return false;
      }, Duration.ofSeconds(60), "the late worker holding chunks");
      List<JsonNode> results = c.results(id);
      assertInputOrderExactlyOnce(results, 600);
      assertEquals("SUCCEEDED", c.status(id).get("state").asText());
    }
  }

  @Test
  void aNodeWithThreeWorkerActorsOffersThreeWorkersThatShareTheJob() throws Exception {
    try (Cluster c = new Cluster("actors", false)) {
      Node node = c.startWorker(1, "--actors", "3");
      JsonNode cluster = c.awaitWorkers(3);
      java.util.Set<String> paths = new java.util.HashSet<>();
      for (JsonNode w : cluster.get("workers")) {
        assertTrue(w.get("node").asText().endsWith(":" + node.port), "every actor is of the one node: " + cluster);
        assertEquals(1, w.get("slots").asInt(), "each actor has its own slot: " + cluster);
        paths.add(w.get("path").asText());
      }
      assertEquals(3, paths.size(), "three distinct worker actors: " + cluster);
      // 30 chunks of 200 ms: with one slot per actor, three actors must each be holding one at once
      String id = c.submit("{\"function\":\"sleep\",\"range\":{\"start\":0,\"end\":30},\"args\":{\"ms\":200},\"chunkSize\":1}");
      c.awaitJson("/cluster", cl -> {
        int busy = 0;
        for (JsonNode w : cl.get("workers")) {
          busy += w.get("busy").asInt() > 0 ? 1 : 0;
        }
        return busy == 3;
      }, Duration.ofSeconds(60), "all three actors running a chunk at once");
      List<JsonNode> results = c.results(id);
      assertInputOrderExactlyOnce(results, 30);
      assertEquals("SUCCEEDED", c.status(id).get("state").asText());
    }
  }

  @Test
  void anItemThatKillsWorkersIsIsolatedAndFailsAsWorkerLost() throws Exception {
    try (Cluster c = new Cluster("poison", true)) {
      c.startWorker(1);
      c.startWorker(1);
      c.awaitWorkers(2);
      String id = c.submit("{\"function\":\"halt\",\"range\":{\"start\":0,\"end\":40},\"args\":{\"items\":[17]},\"chunkSize\":4}");
      // like a supervisor (docker's restart policy), bring back every worker the poison item kills
      long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
      while (!c.status(id).get("state").asText().matches("SUCCEEDED|COMPLETED_WITH_ERRORS|FAILED|CANCELLED")) {
        assertTrue(System.nanoTime() < deadline, "the poison job did not end:\n" + c.logs());
        long alive = c.workers.stream().filter(w -> w.process.isAlive()).count();
        for (long i = alive; i < 2; i++) {
          c.startWorker(1);
        }
        Thread.sleep(200);
      }
      List<JsonNode> results = c.results(id);
      assertInputOrderExactlyOnce(results, 40);
      for (JsonNode r : results) {
        if (r.get("index").asLong() == 17) {
          assertEquals("WorkerLost", r.get("error").get("type").asText(), r.toString());
        } else {
          assertEquals(r.get("index").asLong(), r.get("value").asLong(), r.toString());
        }
      }
      JsonNode s = c.status(id);
      assertEquals("COMPLETED_WITH_ERRORS", s.get("state").asText());
      assertEquals(1, s.get("errors").asLong());
    }
  }

  @Test
  void cancellingAHungJobFreesTheWorkersForTheNextJob() throws Exception {
    try (Cluster c = new Cluster("cancel", true)) {
      c.startWorker(2);
      c.awaitWorkers(1);
      String hung = c.submit("{\"function\":\"hang\",\"range\":{\"start\":0,\"end\":10},\"chunkSize\":1}");
      c.awaitJson("/jobs/" + hung, s -> s.get("state").asText().equals("RUNNING"), Duration.ofSeconds(60), "the hung job running");
      assertEquals(200, c.delete("/jobs/" + hung).statusCode());
      c.awaitJson("/jobs/" + hung, s -> s.get("state").asText().equals("CANCELLED"), Duration.ofSeconds(30), "CANCELLED");
      String next = c.submit("{\"function\":\"square\",\"range\":{\"start\":0,\"end\":1000}}");
      List<JsonNode> results = c.results(next);
      assertInputOrderExactlyOnce(results, 1000);
      assertEquals(999L * 999L, results.get(999).get("value").asLong());
    }
  }

  @Test
  void aJobWaitsQueuedWithoutWorkersAndAStoppedWorkerDrainsWithoutLoss() throws Exception {
    try (Cluster c = new Cluster("drain", false)) {
      String id = c.submit("{\"function\":\"sleep\",\"range\":{\"start\":0,\"end\":100},\"args\":{\"ms\":100},\"chunkSize\":2}");
      assertEquals("QUEUED", c.status(id).get("state").asText());
      c.startWorker(1);
      Node stopped = c.startWorker(1);
      c.awaitWorkers(2);
      c.awaitJson("/jobs/" + id, s -> s.get("done").asLong() >= 10, Duration.ofSeconds(60), "the job under way");
      int exit = stopped.terminate(60);
      // 143 = 128 + SIGTERM: the JVM reports the signal even after a clean coordinated shutdown
      assertTrue(exit == 0 || exit == 143, "the drained worker exits by itself, got " + exit + ":\n" + stopped.logText());
      List<JsonNode> results = c.results(id);
      assertInputOrderExactlyOnce(results, 100);
      assertEquals("SUCCEEDED", c.status(id).get("state").asText());
      assertTrue(c.coordinator.logText().contains("worker left after draining"), c.logs());
    }
  }

  static void assertInputOrderExactlyOnce(List<JsonNode> results, int n) {
    assertEquals(n, results.size(), "one result per item");
    for (int i = 0; i < n; i++) {
      assertEquals(i, results.get(i).get("index").asLong(), "result " + i + " in input order");
    }
  }

  /** The digest the anchors define: each value on its own line, strings without quotes. */
  static String valuesDigest(List<JsonNode> results) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    for (JsonNode r : results) {
      JsonNode v = r.get("value");
      md.update((v.isTextual() ? v.textValue() : v.toString()).getBytes(StandardCharsets.UTF_8));
      md.update((byte) '\n');
    }
    return HexFormat.of().formatHex(md.digest());
  }

  static String anchor(String workload) throws Exception {
    Path file = Path.of(System.getProperty("shoal.anchors", "../../shared/anchors"), "expected.sha256");
    for (String line : Files.readAllLines(file)) {
      String[] parts = line.trim().split("\\s+");
      if (parts.length == 2 && parts[1].equals(workload)) {
        return parts[0];
      }
    }
    throw new IllegalStateException("no anchor digest for " + workload + " in " + file);
  }
}
