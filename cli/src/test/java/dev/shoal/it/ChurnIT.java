package dev.shoal.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.LongNode;
import dev.shoal.worker.functions.Sha256;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Worker churn on a starved machine: one coordinator and three worker JVMs, each running two
 * SHA-256 chunks at once on a two-core machine, so heartbeats are late and nodes are marked
 * unreachable and reachable again all the time; meanwhile a random worker is {@code kill -9}ed at a
 * random moment and a fresh one started, as a supervisor ({@code restart: unless-stopped}) would.
 * This is the load under which the Split Brain Resolver once downed the coordinator.
 */
// several JVMs on two cores for minutes: the default two-minute net is for hangs, not for this
@Timeout(value = 6, unit = java.util.concurrent.TimeUnit.MINUTES)
class ChurnIT {

  private static final int KILLS = 10;
  private static final Duration MIN_CHURN = Duration.ofSeconds(30);
  private static final int ROUNDS = 2000;

  @Test
  void killingWorkersAtRandomLosesNoResultAndNeverDownsTheCoordinator() throws Exception {
    long seed = Long.getLong("churn.seed", System.nanoTime());
    System.out.println("ChurnIT seed " + seed + " (rerun with -Dchurn.seed=" + seed + ")");
    Random random = new Random(seed);
    try (Cluster c = new Cluster("churn", false)) {
      for (int i = 0; i < 3; i++) {
        c.startWorker(2);
      }
      c.awaitWorkers(3);
      int items = 60_000;
      String id = c.submit("{\"function\":\"sha256\",\"range\":{\"start\":0,\"end\":" + items + "},"
          + "\"args\":{\"rounds\":" + ROUNDS + "},\"chunkSize\":50}");
      c.awaitJson("/jobs/" + id, s -> s.get("done").asLong() > 0, Duration.ofSeconds(60), "the job under way");

      List<Node> killed = new ArrayList<>();
      long churnStart = System.nanoTime();
      while (killed.size() < KILLS || System.nanoTime() - churnStart < MIN_CHURN.toNanos()) {
        Thread.sleep(1000 + random.nextInt(2500));
        List<Node> alive = c.workers.stream().filter(w -> w.process.isAlive() && !killed.contains(w)).toList();
        assertFalse(alive.isEmpty(), "no worker left to kill:\n" + c.logs());
        Node victim = alive.get(random.nextInt(alive.size()));
        victim.kill();
        killed.add(victim);
        c.startWorker(2);
        assertTrue(c.coordinator.process.isAlive(), "the coordinator died after " + killed.size() + " kills:\n" + c.logs());
        JsonNode s = c.status(id);
        assertEquals("RUNNING", s.get("state").asText(),
            "the job must outlast the churn (make it longer); after " + killed.size() + " kills: " + s);
      }

      List<JsonNode> results = c.results(id);
      ClusterIT.assertInputOrderExactlyOnce(results, items);
      Sha256 sha = new Sha256();
      JsonNode args = new ObjectMapper().readTree("{\"rounds\":" + ROUNDS + "}");
      for (int i = 0; i < items; i++) {
        assertEquals(sha.apply(LongNode.valueOf(i), args).textValue(), results.get(i).get("value").asText(),
            "item " + i + " as local mode computes it");
      }
      assertEquals("SUCCEEDED", c.status(id).get("state").asText());

      JsonNode cluster = c.awaitJson("/cluster", j -> true, Duration.ofSeconds(30), "the cluster view");
      String self = cluster.get("coordinator").asText();
      boolean selfUp = false;
      for (JsonNode m : cluster.get("members")) {
        if (m.get("address").asText().equals(self)) {
          selfUp = m.get("status").asText().equals("Up");
        }
      }
      assertTrue(selfUp, "the coordinator's node is still Up: " + cluster + "\n" + c.logs());
      assertFalse(c.coordinator.logText().contains("including myself"), "the coordinator never downed itself:\n" + c.logs());
      for (Node w : c.workers) {
        if (!killed.contains(w)) {
          assertTrue(w.process.isAlive(), w.name + ", never killed, is still running:\n" + w.logText());
        }
      }
    }
  }
}
