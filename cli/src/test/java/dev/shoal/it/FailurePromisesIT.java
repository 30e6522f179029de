package dev.shoal.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The README's "what happens when things go wrong" for workers, on real JVMs: one coordinator for
 * the class, each test starting the workers it needs and killing them afterwards. Items run the
 * {@code traced} plugin function, so a result names the JVM it was kept from and each worker's log
 * tells which items it started and finished; the coordinator's log tells what it decided and when.
 * The first test needs a coordinator that has never had a worker, hence the order.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FailurePromisesIT {

  private Cluster c;

  @BeforeAll
  void start() throws Exception {
    Path work = Files.createDirectories(Path.of("target", "it-work", "promises-" + System.currentTimeMillis()));
    c = new Cluster("promises", false, Traced.plugins(work), List.of(), List.of());
  }

  @AfterAll
  void stop() throws Exception {
    c.close();
  }

  @AfterEach
  void killWorkers() throws Exception {
    for (Node w : c.workers) {
      w.close();
    }
    c.awaitWorkers(0);
  }

  @Test
  @Order(1)
  void aJobWaitsQueuedWhileThereIsNoWorkerAndRunsWhenOneJoins() throws Exception {
    c.awaitWorkers(0);
    String id = c.submit("{\"function\":\"traced\",\"range\":{\"start\":0,\"end\":20},\"args\":{\"ms\":50},\"chunkSize\":5}");
    // a fixed observation window: the job must be QUEUED, untouched, at every look
    long until = System.nanoTime() + Duration.ofSeconds(3).toNanos();
    int looks = 0;
    while (System.nanoTime() < until) {
      JsonNode s = c.status(id);
      assertEquals("QUEUED", s.get("state").asText(), s.toString());
      assertEquals(0, s.get("done").asLong(), s.toString());
      assertEquals(0, s.get("startedAt").asLong(), s.toString());
      looks++;
      Thread.sleep(100);
    }
    assertTrue(looks > 5, "looked " + looks + " times");

    Node worker = c.startWorker(2);
    List<JsonNode> results = c.results(id);
    ClusterIT.assertInputOrderExactlyOnce(results, 20);
    for (JsonNode r : results) {
      assertEquals(r.get("index").asLong(), r.get("value").get("item").asLong());
      assertEquals(worker.process.pid(), Traced.pid(r));
    }
    assertEquals("SUCCEEDED", c.status(id).get("state").asText());
  }

  /**
   * The victim is killed while it runs chunks; they must run elsewhere, and the job end, before the
   * coordinator downs the victim (7 s after it stopped hearing it): the coordinator's log gives the
   * order of the loss, the job's end and the downing.
   */
  @Test
  @Order(2)
  void aKilledWorkersChunksRunElsewhereBeforeItsNodeIsDowned() throws Exception {
    Node survivor = c.startWorker(2);
    Node victim = c.startWorker(2);
    c.awaitWorkers(2);
    int mark = c.coordinator.logText().length();
    // IO items of one chunk run at once: 4 chunks of 3 items, 1.5 s each
    String id = c.submit("{\"function\":\"traced\",\"range\":{\"start\":0,\"end\":12},\"args\":{\"ms\":1500},\"chunkSize\":3}");
    c.await(() -> !Traced.running(victim).isEmpty(), Duration.ofSeconds(60), "the victim running items");
    victim.kill();
    List<Long> heldAtDeath = Traced.running(victim);
    assertFalse(heldAtDeath.isEmpty());

    List<JsonNode> results = c.results(id);
    String downed = "Shoal downing pekko://shoal@127.0.0.1:" + victim.port;
    c.await(() -> c.coordinator.logText().contains(downed), Duration.ofSeconds(60), "the victim downed");
    String log = c.coordinator.logText().substring(mark);
    int lost = log.indexOf("worker lost: 127.0.0.1:" + victim.port + " (node unreachable)");
    int ended = log.indexOf("job " + id + " SUCCEEDED");
    int down = log.indexOf(downed);
    assertTrue(lost >= 0 && ended > lost && down > ended,
        "lost when unreachable (" + lost + "), then the job ended (" + ended + "), then the downing (" + down + "):\n" + log);
    ClusterIT.assertInputOrderExactlyOnce(results, 12);
    for (JsonNode r : results) {
      assertEquals(r.get("index").asLong(), r.get("value").get("item").asLong());
    }
    for (long item : heldAtDeath) {
      assertEquals(survivor.process.pid(), Traced.pid(results.get((int) item)), "item " + item + " re-run on the survivor");
    }
  }

  /**
   * SIGTERM while the worker runs two chunks and holds two more: the two it has not started go
   * back and run elsewhere, the ones it runs finish on it and their results are kept, and the
   * coordinator sees a worker leave, not one lost.
   */
  @Test
  @Order(3)
  void aTerminatedWorkerDrainsFinishingWhatRunsWithoutAnyLoss() throws Exception {
    Node stays = c.startWorker(2);
    Node drained = c.startWorker(2);
    c.awaitWorkers(2);
    int mark = c.coordinator.logText().length();
    String id = c.submit("{\"function\":\"traced\",\"range\":{\"start\":0,\"end\":16},\"args\":{\"ms\":1500},\"chunkSize\":2}");
    c.awaitJson("/cluster", j -> Cluster.workerEntry(j, drained).path("busy").asInt() == 2
        && Cluster.workerEntry(j, drained).path("held").asInt() > 2, Duration.ofSeconds(60), "the drained worker running 2 and holding more");
    int exit = drained.terminate(60);
    assertTrue(exit == 0 || exit == 143, "the drained worker exits by itself, got " + exit + ":\n" + drained.logText());

    List<Long> ranOnDrained = Traced.started(drained);
    assertFalse(ranOnDrained.isEmpty());
    assertTrue(Traced.finished(drained).containsAll(ranOnDrained),
        "every item it started finished on it: started " + ranOnDrained + ", finished " + Traced.finished(drained));
    List<JsonNode> results = c.results(id);
    ClusterIT.assertInputOrderExactlyOnce(results, 16);
    for (JsonNode r : results) {
      long item = r.get("index").asLong();
      assertEquals(item, r.get("value").get("item").asLong());
      assertEquals(ranOnDrained.contains(item) ? drained.process.pid() : stays.process.pid(), Traced.pid(r), r.toString());
    }
    assertEquals("SUCCEEDED", c.status(id).get("state").asText());
    String log = c.coordinator.logText().substring(mark);
    assertTrue(log.contains("worker left after draining: 127.0.0.1:" + drained.port), log);
    assertFalse(log.contains("worker lost: 127.0.0.1:" + drained.port), "a drain is not a loss:\n" + log);
  }

  /**
   * A drain is bounded by {@code shoal.worker.drain-timeout} (1 s here): an item that would run
   * 8 s does not hold the worker; at the timeout it is interrupted (it never finishes there, however
   * long the node takes to leave) and its chunk is handed back and runs elsewhere.
   */
  @Test
  @Order(4)
  void aDrainLongerThanDrainTimeoutLeavesAndItsChunkRunsElsewhere() throws Exception {
    List<String> shortDrain = List.of("-Dshoal.worker.drain-timeout=1s");
    List<Node> both = List.of(c.startWorker(1, shortDrain), c.startWorker(1, shortDrain));
    c.awaitWorkers(2);
    int mark = c.coordinator.logText().length();
    String id = c.submit("{\"function\":\"traced\",\"items\":[0],\"args\":{\"ms\":8000}}");
    c.await(() -> both.stream().anyMatch(w -> !Traced.running(w).isEmpty()), Duration.ofSeconds(60), "the item running");
    Node slow = both.stream().filter(w -> !Traced.running(w).isEmpty()).findFirst().orElseThrow();
    Node other = both.get(0) == slow ? both.get(1) : both.get(0);
    slow.process.destroy();
    assertTrue(slow.process.waitFor(60, TimeUnit.SECONDS), "the node leaves by itself:\n" + slow.logText());
    assertEquals(List.of(0L), Traced.running(slow), "it left with its item unfinished:\n" + slow.logText());

    List<JsonNode> results = c.results(id);
    ClusterIT.assertInputOrderExactlyOnce(results, 1);
    assertEquals(other.process.pid(), Traced.pid(results.get(0)));
    assertEquals("SUCCEEDED", c.status(id).get("state").asText());
    assertTrue(slow.logText().contains("drain timed out: 1 running chunks interrupted and handed back"), slow.logText());
    assertTrue(c.coordinator.logText().substring(mark).contains("worker left after draining: 127.0.0.1:" + slow.port),
        c.logs());
  }
}
