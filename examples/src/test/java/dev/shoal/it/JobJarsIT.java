package dev.shoal.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shoal.api.FunctionInfo;
import dev.shoal.api.JarInfo;
import dev.shoal.api.JobRequest;
import dev.shoal.api.JobState;
import dev.shoal.api.JobStatus;
import dev.shoal.client.ItemResult;
import dev.shoal.client.Items;
import dev.shoal.client.JobHandle;
import dev.shoal.client.Pool;
import dev.shoal.client.RemotePool;
import dev.shoal.client.Shoal;
import dev.shoal.examples.Invoice;
import dev.shoal.examples.Order;
import dev.shoal.it.ShoalCommand.Ran;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Job jars on a real cluster: the example jar is in no node's plugins folder; {@code shoal submit
 * --jar} uploads it and runs its function, the worker JVMs fetch it from the coordinator over
 * cluster messages (each into a jar cache of its own, empty at start), check its SHA-256 and load it;
 * a Java program runs it again by hash through {@code Shoal.connect}; a deleted jar runs no more.
 */
class JobJarsIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int ORDERS = 300;

  @Test
  void aJarShippedWithTheJobRunsOnWorkersThatNeverHadIt() throws Exception {
    Path jar = Files.list(Path.of("target"))
        .filter(p -> p.getFileName().toString().matches("shoal-examples-.*\\d(-SNAPSHOT)?\\.jar")).findFirst()
        .orElseThrow(() -> new AssertionError("the example jar is packaged before this test"));
    try (Cluster c = new Cluster("job-jars", false, null, List.of(), List.of())) {
      Path caches = c.logs.resolve("jar-caches");
      c.startWorker(2, List.of("-Dshoal.worker.jars.cache-dir=" + caches.resolve("w1")));
      c.startWorker(2, List.of("-Dshoal.worker.jars.cache-dir=" + caches.resolve("w2")));
      c.awaitWorkers(2);
      Path work = c.logs.resolve("work");
      Files.createDirectories(work);

      try (RemotePool pool = Shoal.connect(c.url(""), c.token())) {
        assertFalse(pool.functions().stream().map(FunctionInfo::name).anyMatch("invoice"::equals),
            "no node has the example installed: " + pool.functions());
      }

      // the CLI: upload and run in one command
      Path orders = work.resolve("orders.jsonl");
      StringBuilder lines = new StringBuilder();
      for (int i = 0; i < ORDERS; i++) {
        lines.append(JSON.writeValueAsString(order(i))).append('\n');
      }
      Files.writeString(orders, lines);
      Path out = work.resolve("invoices.jsonl");
      Ran submitted = ShoalCommand.run(work, c.dataDir, "submit", "--coordinator", c.url(""), "--jar", jar.toString(),
          "--fn", "invoice", "--arg", "taxPercent=20", "--items", orders.toString(), "--chunk-size", "10",
          "--out", out.toString(), "--no-progress");
      assertEquals(0, submitted.code(), submitted.err());
      List<String> invoices = Files.readAllLines(out);
      assertEquals(ORDERS, invoices.size());
      for (int i = 0; i < ORDERS; i++) {
        var line = JSON.readTree(invoices.get(i));
        assertEquals(i, line.get("index").asInt(), invoices.get(i));
        assertEquals(expected(i), JSON.treeToValue(line.get("value"), Invoice.class));
      }

      Ran listed = ShoalCommand.run(work, c.dataDir, "jars", "--coordinator", c.url(""), "--json");
      assertEquals(0, listed.code(), listed.err());
      var jars = JSON.readTree(listed.out()).get("jars");
      assertEquals(1, jars.size(), listed.out());
      String sha = jars.get(0).get("sha256").asText();
      assertEquals(jar.getFileName().toString(), jars.get(0).get("name").asText());
      assertTrue(jars.get(0).get("functions").findValuesAsText("name").contains("invoice"), listed.out());
      assertTrue(Files.exists(caches.resolve("w1").resolve(sha + ".jar")) || Files.exists(caches.resolve("w2").resolve(sha + ".jar")),
          "a worker fetched the jar into its own cache");

      // the Java API: the same jar by its hash, over the worker that did not run the CLI's job too
      try (RemotePool pool = Shoal.connect(c.url(""), c.token())) {
        JarInfo again = pool.uploadJar(jar);
        assertEquals(sha, again.sha256(), "the same bytes are the same jar");
        List<Object> items = new ArrayList<>();
        for (int i = 0; i < ORDERS; i++) {
          items.add(order(i));
        }
        JobRequest request = new JobRequest("invoice", "{\"taxPercent\":20}", 5, true, 0).withJar(sha);
        List<ItemResult> results;
        JobStatus end;
        try (JobHandle job = pool.submit(request, Items.of(items))) {
          results = Pool.stream(job).collect(Collectors.toList());
          end = job.await();
        }
        assertEquals(JobState.SUCCEEDED, end.state(), end.toString());
        for (int i = 0; i < ORDERS; i++) {
          assertNull(results.get(i).error(), results.get(i).toString());
          assertEquals(expected(i), JSON.treeToValue(results.get(i).value(), Invoice.class));
        }
      }
      // both took chunks of the two jobs' 90 (a worker holds at most slots + prefetch of them); a worker's fetch
      // may end after the job did, if its chunks were handed back meanwhile
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (!(Files.exists(caches.resolve("w1").resolve(sha + ".jar")) && Files.exists(caches.resolve("w2").resolve(sha + ".jar")))) {
        assertTrue(System.nanoTime() < deadline, "both workers fetched the jar into their own caches");
        Thread.sleep(100);
      }

      Ran deleted = ShoalCommand.run(work, c.dataDir, "jars", "delete", sha, "--coordinator", c.url(""));
      assertEquals(0, deleted.code(), deleted.err());
      Ran gone = ShoalCommand.run(work, c.dataDir, "submit", "--coordinator", c.url(""), "--jar", sha,
          "--fn", "invoice", "--items", orders.toString(), "--no-progress");
      assertEquals(2, gone.code(), gone.err());
      assertTrue(gone.err().strip().startsWith("shoal: no jar " + sha + " here: upload it first"), gone.err());
      assertEquals(1, gone.err().strip().lines().count(), gone.err());

      Path junk = Files.writeString(work.resolve("junk.jar"), "not a jar");
      Ran refused = ShoalCommand.run(work, c.dataDir, "submit", "--coordinator", c.url(""), "--jar", junk.toString(),
          "--fn", "invoice", "--range", "0:3", "--no-progress");
      assertEquals(2, refused.code(), refused.err());
      assertTrue(refused.err().contains("the coordinator refused junk.jar: not a jar of Shoal functions"), refused.err());
    }
  }

  private static Order order(int i) {
    return new Order("o-" + i, "c-" + (i % 7), List.of(new Order.Line("a", 1 + i % 3, 100 + i), new Order.Line("b", 2, 250)));
  }

  private static Invoice expected(int i) {
    long net = (1 + i % 3) * (100L + i) + 2 * 250;
    long tax = (net * 20 + 50) / 100;
    return new Invoice("o-" + i, "c-" + (i % 7), 1 + i % 3 + 2, net, tax, net + tax);
  }
}
