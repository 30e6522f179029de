package dev.shoal.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A worker that goes silent without its connections breaking: its JVM is frozen ({@code kill
 * -STOP}), so nothing closes a socket and, here, no failure detector gives up on it either (every
 * node is started with a 60 s acceptable heartbeat pause, as a host that vanishes behind a
 * half-open connection would look). Only the coordinator's lease can catch it. The JVM is then
 * thawed ({@code kill -CONT}), so the results of the chunks it held really arrive, late.
 */
class LeaseExpiryIT {

  private static final String LEASE_EXPIRED = "(silent for over 4000 ms (lease expired))";

  @Test
  void aFrozenWorkerLosesItsLeaseAfterFourSecondsOfSilenceAndItsLateResultsAreDropped() throws Exception {
    Path work = Files.createDirectories(Path.of("target", "it-work", "lease-" + System.currentTimeMillis()));
    try (Cluster c = new Cluster("lease", false, Traced.plugins(work), List.of(),
        List.of("-Dpekko.cluster.failure-detector.acceptable-heartbeat-pause=60s"))) {
      Node survivor = c.startWorker(2);
      Node victim = c.startWorker(2);
      c.awaitWorkers(2);
      int n = 100;
      String id = c.submit("{\"function\":\"traced\",\"range\":{\"start\":0,\"end\":" + n + "},\"args\":{\"ms\":400},"
          + "\"chunkSize\":1}");
      c.await(() -> !Traced.running(victim).isEmpty(), Duration.ofSeconds(60), "the victim running items");

      victim.freeze();
      // read after the freeze: a frozen JVM writes nothing more, so these were running when it stopped
      List<Long> heldAtFreeze = Traced.running(victim);
      assertFalse(heldAtFreeze.isEmpty());
      String lostLine = "worker lost: 127.0.0.1:" + victim.port + " ";
      c.await(() -> c.coordinator.logText().contains(lostLine), Duration.ofSeconds(60), "the victim taken for lost");
      String coordinatorLog = c.coordinator.logText();
      assertTrue(coordinatorLog.contains(lostLine + LEASE_EXPIRED), "lost for its lease, not otherwise:\n" + c.logs());
      assertEquals("RUNNING", c.status(id).get("state").asText(), "the job must outlast the freeze (make it longer)");

      victim.resume();
      // the thawed worker finishes what it held and sends those results, for leases that were re-sent
      c.await(() -> Traced.finished(victim).containsAll(heldAtFreeze), Duration.ofSeconds(60),
          "the thawed victim finishing " + heldAtFreeze);
      assertEquals("RUNNING", c.status(id).get("state").asText(),
          "the late results reach a job that is still running (make it longer)");

      List<JsonNode> results = c.results(id);
      ClusterIT.assertInputOrderExactlyOnce(results, n);
      for (JsonNode r : results) {
        assertEquals(r.get("index").asLong(), r.get("value").get("item").asLong(), r.toString());
      }
      assertEquals("SUCCEEDED", c.status(id).get("state").asText());
      List<Long> victimStarts = Traced.started(victim);
      for (long item : heldAtFreeze) {
        JsonNode r = results.get((int) item);
        // the kept result is the re-sent lease's: from another JVM, or from the victim running it anew
        assertTrue(Traced.pid(r) != victim.process.pid() || Collections.frequency(victimStarts, item) > 1,
            "item " + item + " kept the late result of its expired lease: " + r + "\n" + c.logs());
      }
      assertFalse(c.coordinator.logText().contains("Shoal downing pekko:"), "nobody was downed:\n" + c.logs());
      assertTrue(survivor.process.isAlive() && victim.process.isAlive());
    }
  }
}
