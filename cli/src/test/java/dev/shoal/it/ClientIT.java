package dev.shoal.it;

import dev.shoal.it.ShoalCommand.Ran;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.client.ItemResult;
import dev.shoal.client.Items;
import dev.shoal.client.JobHandle;
import dev.shoal.client.RemotePool;
import dev.shoal.client.ResultChunk;
import dev.shoal.client.Shoal;
import dev.shoal.client.TcpProxy;
import dev.shoal.api.JobRequest;
import dev.shoal.api.JobState;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The client against a real cluster: {@code shoal submit}, {@code results} and {@code cancel} run as
 * their own processes from the packaged jar, and {@code Shoal.connect} from this JVM, against a
 * coordinator and two worker JVMs. The oracle is the anchors' digests, not anything Shoal computed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ClientIT {

  private Cluster c;
  private Path work;

  @BeforeAll
  void start() throws Exception {
    work = Files.createDirectories(Path.of("target", "it-work", "client-" + System.currentTimeMillis()));
    c = new Cluster("client", false);
    c.startWorker(2);
    c.startWorker(2);
    c.awaitWorkers(2);
  }

  @AfterAll
  void stop() throws Exception {
    c.close();
  }

  @Test
  void shoalSubmitWritesTheSha256AnchorsResults() throws Exception {
    Path out = work.resolve("sha.jsonl");
    Ran r = shoal("submit", "--coordinator", c.url(""), "--fn", "sha256", "--range", "0:2000", "--out", out.toString(),
        "--no-progress");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.err().contains("SUCCEEDED: 2000 items, 0 errors"), r.err());
    List<JsonNode> results = lines(out);
    ClusterIT.assertInputOrderExactlyOnce(results, 2000);
    assertEquals(ClusterIT.anchor("sha"), ClusterIT.valuesDigest(results));
  }

  @Test
  void aDetachedJobsResultsAreFetchedByShoalResults() throws Exception {
    Ran d = shoal("submit", "--coordinator", c.url(""), "--fn", "sleep", "--range", "0:2000", "--arg", "ms=10", "--detach");
    assertEquals(0, d.code(), d.err());
    String id = d.out().trim();
    assertTrue(id.matches("[0-9a-f]{8}"), d.out());
    Path out = work.resolve("sleepmany.jsonl");
    Ran r = shoal("results", id, "--coordinator", c.url(""), "--out", out.toString());
    assertEquals(0, r.code(), r.err());
    List<JsonNode> results = lines(out);
    ClusterIT.assertInputOrderExactlyOnce(results, 2000);
    assertEquals(ClusterIT.anchor("sleepmany"), ClusterIT.valuesDigest(results));
  }

  @Test
  void shoalResultsCutOffMidStreamSeveralTimesWritesTheBytesShoalRunWrites() throws Exception {
    String id = c.submit("{\"function\": \"sha256\", \"range\": {\"start\": 0, \"end\": 4000}}");
    Path followed = work.resolve("followed.jsonl");
    Path local = work.resolve("run-4000.jsonl");
    try (TcpProxy proxy = TcpProxy.to(c.url(""))) {
      // the results are about 360 kB, and the stream follows the job while it runs: seven cuts or so
      proxy.cutAfter(48 * 1024);
      Ran r = shoal("results", id, "--coordinator", proxy.url(), "--out", followed.toString());
      assertEquals(0, r.code(), r.err());
      assertTrue(proxy.cuts() >= 5, "cut " + proxy.cuts() + " times");
      assertTrue(r.err().contains("shoal: reconnected to " + proxy.url() + ", resuming at line "), r.err());
    }
    Ran run = shoal("run", "--workers", "2", "--fn", "sha256", "--range", "0:4000", "--out", local.toString());
    assertEquals(0, run.code(), run.err());
    assertEquals(Files.size(local), Files.size(followed));
    assertTrue(java.util.Arrays.equals(Files.readAllBytes(local), Files.readAllBytes(followed)), "byte for byte");
  }

  @Test
  void shoalCancelStopsARunningJob() throws Exception {
    Path items = Files.writeString(work.resolve("slow.jsonl"), "600000\n600000\n");
    Ran d = shoal("submit", "--coordinator", c.url(""), "--fn", "sleep", "--items", items.toString(), "--chunk-size", "1",
        "--detach");
    assertEquals(0, d.code(), d.err());
    String id = d.out().trim();
    c.awaitJson("/jobs/" + id, s -> s.get("state").asText().equals("RUNNING"), Duration.ofSeconds(60), "the job running");
    Ran cancel = shoal("cancel", id, "--coordinator", c.url(""));
    assertEquals(0, cancel.code(), cancel.err());
    assertTrue(cancel.out().matches("(?s).*state\\s+CANCELLED.*"), cancel.out());
    Ran results = shoal("results", id, "--coordinator", c.url(""), "--out", work.resolve("cancelled.jsonl").toString());
    assertEquals(1, results.code(), "a cancelled job's results exit like a failed run: " + results.err());
    assertTrue(results.err().contains("CANCELLED"), results.err());
    // the ten-minute items were interrupted: both workers are free again
    c.awaitJson("/cluster", j -> {
      for (JsonNode w : j.get("workers")) {
        if (w.get("busy").asInt() != 0) {
          return false;
        }
      }
      return true;
    }, Duration.ofSeconds(30), "no worker busy");
  }

  @Test
  void shoalConnectMapsAndStreamsTheAnchorsOnTheCluster() throws Exception {
    try (RemotePool pool = Shoal.connect(c.url(""), c.token())) {
      List<JsonNode> hashes = pool.map("sha256", IntStream.range(0, 2000).boxed().toList());
      assertEquals(2000, hashes.size());
      assertEquals(ClusterIT.anchor("sha"), digest(hashes));

      List<JsonNode> squares = new ArrayList<>(1_000_000);
      try (JobHandle job = pool.submit(JobRequest.of("square"), Items.range(0, 1_000_000))) {
        long next = 0;
        for (Iterator<ResultChunk> it = job.chunks(); it.hasNext(); ) {
          for (ItemResult r : it.next().items()) {
            assertEquals(next++, r.index());
            squares.add(r.value());
          }
        }
        assertEquals(JobState.SUCCEEDED, job.await().state());
      }
      assertEquals(ClusterIT.anchor("square"), digest(squares));
    }
  }

  @Test
  void aJobHandleCancelsARunningJobOnTheCluster() throws Exception {
    try (RemotePool pool = Shoal.connect(c.url(""), c.token())) {
      JobHandle job = pool.submit(new JobRequest("sleep", "{}", 1, true, 0), Items.of(List.of(600000, 600000)));
      c.awaitJson("/jobs/" + job.id(), s -> s.get("state").asText().equals("RUNNING"), Duration.ofSeconds(60), "running");
      job.cancel();
      // the cluster's word first, with a deadline: a cancel that did not happen must fail, not hang
      c.awaitJson("/jobs/" + job.id(), s -> s.get("state").asText().equals("CANCELLED"), Duration.ofSeconds(30), "CANCELLED");
      assertEquals(JobState.CANCELLED, job.await().state());
    }
  }

  private static String digest(List<JsonNode> values) throws Exception {
    List<JsonNode> asResults = new ArrayList<>(values.size());
    for (JsonNode v : values) {
      asResults.add(Cluster.JSON.createObjectNode().set("value", v));
    }
    return ClusterIT.valuesDigest(asResults);
  }

  private static List<JsonNode> lines(Path file) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      out.add(Cluster.JSON.readTree(line));
    }
    return out;
  }

  /** Runs {@code shoal args} as a user would: its own JVM, from the packaged jar. */
  private Ran shoal(String... args) throws Exception {
    // as on the coordinator's machine: the client finds the token the coordinator generated in its data folder
    return ShoalCommand.run(work, c.dataDir, args);
  }
}
