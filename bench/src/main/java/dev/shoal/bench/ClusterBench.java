package dev.shoal.bench;

import dev.shoal.client.Items;
import dev.shoal.client.JobHandle;
import dev.shoal.client.Pool;
import dev.shoal.client.ResultChunk;
import dev.shoal.client.Shoal;
import dev.shoal.api.JobRequest;
import dev.shoal.api.JobStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;

/**
 * Cluster mode: a coordinator and two worker JVMs on loopback, started once and kept warm; jobs go
 * through {@code Shoal.connect}, the same {@link Pool} interface as local mode. Measures the four
 * workloads, the HTTP round trip of a single-item job, the coordinator's heap during a 10,000,000-item
 * job and the time from {@code kill -9} of a worker to its chunks running elsewhere (last, since it
 * leaves one worker).
 */
final class ClusterBench {

  static final String WORKER_LOST = "worker lost";
  static final int WORKERS = 2;

  private final Path repo;
  private final Anchors anchors;
  private final Path work;
  private final Path logs;
  private final boolean quick;
  private final int warmups;
  private final long heapItems;
  private final List<String> coordinatorJvmOptions;

  /** @param logs where the nodes' logs and the coordinator's GC log go; kept after the run */
  static final int TINY_ITEMS = 100_000;

  ClusterBench(Path repo, Anchors anchors, Path work, Path logs, boolean quick, int warmups, long heapItems,
      List<String> coordinatorJvmOptions) {
    this.repo = repo;
    this.anchors = anchors;
    this.work = work;
    this.logs = logs;
    this.quick = quick;
    this.warmups = warmups;
    this.heapItems = heapItems;
    this.coordinatorJvmOptions = List.copyOf(coordinatorJvmOptions);
  }

  void run(Report report) throws Exception {
    Path jar = repo.resolve("cli/target/shoal.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("no " + jar + "; build it first (bench/run does)");
    }
    Files.createDirectories(logs);
    Path gcLog = logs.resolve("coordinator-gc.log");
    Files.deleteIfExists(gcLog);
    int cores = Runtime.getRuntime().availableProcessors();
    Progress.say("%nShoal cluster mode: a coordinator and %d worker JVMs on loopback, %d slots each (= cores)", WORKERS, cores);
    try (ClusterNodes cluster = new ClusterNodes(jar, logs, List.of(WORKER_LOST))) {
      long t0 = System.nanoTime();
      List<String> jvm = new ArrayList<>(coordinatorJvmOptions);
      jvm.add("-Xlog:gc:file=" + gcLog + ":uptime");
      cluster.startCoordinator(jvm);
      for (int i = 1; i <= WORKERS; i++) {
        cluster.startWorker("worker-" + i);
      }
      cluster.awaitWorkers(WORKERS, Duration.ofSeconds(180));
      Progress.say("  cluster up in %.1f s at %s (not part of any job time)", (System.nanoTime() - t0) / 1e9, cluster.url());
      try (Pool pool = Shoal.connect(cluster.url(), cluster.token())) {
        ShoalRuns runs = new ShoalRuns(anchors, work, warmups);
        // one uncounted sleep job first lets the JIT of the fresh nodes catch up (as sleep's own
        // warm-up did when it came first), and sleep's one counted run comes last, on warm nodes
        runs.once(pool, Workload.SLEEP, work.resolve("shoal-settle.txt"));
        for (Workload w : List.of(Workload.SLEEPMANY, Workload.SQUARE, Workload.SHA256, Workload.SLEEP)) {
          String workers = WORKERS + " JVMs × " + cores + " slots";
          report.rows.add(runs.measure(Targets.CLUSTER, pool, workers, w, quick));
        }
        tiny(report, pool);
        submitted(report, cluster, jar);
        new HttpRoundTrip(cluster.url(), cluster.token()).measure(report, quick ? 500 : 3000, quick ? 200 : 1000);
        heap(report, pool, gcLog);
        streamed(report, cluster, jar);
        recovery(report, pool, cluster);
      }
    }
  }

  /**
   * Peak coordinator heap during a large {@code square} job whose results stream to a file. What is
   * measured: from the coordinator's {@code -Xlog:gc} log, the largest heap occupancy left after a
   * collection during the job (live data plus what survived, the memory the job really holds) and
   * the largest occupancy before one (which includes garbage and mostly reflects young-generation
   * sizing).
   */
  private void heap(Report report, Pool pool, Path gcLog) throws IOException {
    Progress.say("  coordinator heap during a %,d-item square job ...", heapItems);
    GcLog before = GcLog.read(gcLog);
    Path out = work.resolve("heap-square.txt");
    long t0 = System.nanoTime();
    long lines = 0;
    JobStatus status;
    try (JobHandle job = pool.submit(new JobRequest("square", "{}", 0, true, 0), Items.range(0, heapItems));
        AnchorWriter writer = new AnchorWriter(out)) {
      for (Iterator<ResultChunk> it = job.chunks(); it.hasNext(); ) {
        ResultChunk c = it.next();
        writer.write(c.results());
        lines += c.results().size();
      }
      status = job.await();
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    Files.deleteIfExists(out);
    GcLog during = GcLog.read(gcLog).after(before.lastGc());
    String how = String.format(Locale.ROOT, "%,d items (%s, %,d results written) in %.1f s; %d GCs during the job; "
        + "max heap after GC, from the coordinator's -Xlog:gc", heapItems, status.state(), lines, seconds, during.count());
    report.extras.add(new Report.Extra(Targets.HEAP, during.count() > 0 ? during.maxAfterMb() : Double.NaN, "MB", how));
    String jvm = coordinatorJvmOptions.isEmpty() ? "default heap" : String.join(" ", coordinatorJvmOptions);
    report.extras.add(new Report.Extra("coordinator heap before GC (peak, garbage included)", during.maxBeforeMb(), "MB",
        "committed heap up to " + during.maxCommittedMb() + " MB; coordinator JVM: " + jvm
            + "; after-GC figures include old-generation garbage not yet marked, so they bound the live data from above"));
    Progress.say("  coordinator heap: max %d MB after GC, %d MB before GC, %d GCs; job %.1f s, %s", during.maxAfterMb(),
        during.maxBeforeMb(), during.count(), seconds, status.state());
  }

  /**
   * Many tiny tasks through one coordinator: {@value #TINY_ITEMS} {@code echo} items in chunks of
   * one, each chunk its own offer, dispatch, result and record. Chunks per second, median of the
   * counted runs after one warm-up; every value is checked to be its index, once, in order.
   */
  private void tiny(Report report, Pool pool) {
    Progress.say("  %,d echo items with chunkSize 1 ...", TINY_ITEMS);
    List<Double> seconds = new ArrayList<>();
    int runs = quick ? 2 : 4;
    for (int run = 0; run < runs; run++) {
      double s = echoJob(pool, TINY_ITEMS);
      if (run > 0) {
        seconds.add(s);
      }
    }
    double median = Stats.median(seconds);
    report.extras.add(new Report.Extra(Targets.TINY, TINY_ITEMS / median, "chunks/s", String.format(Locale.ROOT,
        "%,d echo items, chunkSize 1, 2 worker JVMs, through Shoal.connect, every value checked; median of %d after 1 "
            + "warm-up: %.2f s (%.2f–%.2f s)", TINY_ITEMS, seconds.size(), median, Stats.min(seconds), Stats.max(seconds))));
    Progress.say("  tiny tasks: %.2f s, %,.0f chunks/s", median, TINY_ITEMS / median);
  }

  /**
   * One job of {@code items} {@code echo} items in chunks of one, results read as they come; its
   * seconds from submission to the last result. Fails unless every value is its index, once, in order.
   */
  static double echoJob(Pool pool, long items) {
    long t0 = System.nanoTime();
    long next = 0;
    JobStatus status;
    try (JobHandle job = pool.submit(new JobRequest("echo", "{}", 1, true, 0), Items.range(0, items))) {
      for (Iterator<ResultChunk> it = job.chunks(); it.hasNext(); ) {
        for (dev.shoal.client.ItemResult r : it.next().items()) {
          if (r.index() != next || r.value() == null || r.value().asLong() != next) {
            throw new IllegalStateException("echo item " + next + " came back as " + r);
          }
          next++;
        }
      }
      status = job.await();
    }
    if (next != items || status.state() != dev.shoal.api.JobState.SUCCEEDED) {
      throw new IllegalStateException("the tiny-task job ended " + status.state() + " with " + next + " results");
    }
    return (System.nanoTime() - t0) / 1e9;
  }

  /**
   * The 1,000,000-item {@code square} job as a user runs it from a shell: {@code shoal submit --out
   * FILE}, a process of its own (its start included), the file checked line by line.
   */
  private void submitted(Report report, ClusterNodes cluster, Path jar) throws IOException, InterruptedException {
    int n = 1_000_000;
    Progress.say("  square %,d through shoal submit --out, whole process ...", n);
    Path out = work.resolve("submit-square.jsonl");
    List<Double> seconds = new ArrayList<>();
    for (int run = 0; run < (quick ? 2 : 4); run++) {
      double s = timed(jar, List.of(), cluster.token(), "submit", "--coordinator", cluster.url(), "--fn", "square",
          "--range", "0:" + n, "--no-progress", "--out", out.toString());
      checkSquares(out, n);
      if (run > 0) {
        seconds.add(s);
      }
    }
    Files.deleteIfExists(out);
    double median = Stats.median(seconds);
    report.extras.add(new Report.Extra(Targets.SUBMITTED, n / median, "items/s", String.format(Locale.ROOT,
        "./shoal submit --fn square --range 0:%d --out FILE as one process, its JVM start included; median of %d after 1 "
            + "warm-up: %.2f s (%.2f–%.2f s); every line checked", n, seconds.size(), median, Stats.min(seconds), Stats.max(seconds))));
    Progress.say("  shoal submit --out: %.2f s, %s items/s", median, Report.rate(n / median));
  }

  private static void checkSquares(Path file, int n) throws IOException {
    long i = 0;
    try (java.io.BufferedReader in = Files.newBufferedReader(file)) {
      for (String line = in.readLine(); line != null; line = in.readLine(), i++) {
        if (!line.equals("{\"index\":" + i + ",\"value\":" + (i * i) + "}")) {
          throw new IllegalStateException("shoal submit --out wrote line " + i + " as " + line);
        }
      }
    }
    if (i != n) {
      throw new IllegalStateException("shoal submit --out wrote " + i + " lines, not " + n);
    }
  }

  /**
   * A big file of items through the cluster against the same file in local mode, both as a user
   * runs them: {@code shoal submit --items FILE} (uploaded while results come back, the client at
   * {@code -Xmx256m}) and {@code shoal run --items FILE}, each a process of its own timed whole,
   * their outputs compared byte for byte.
   */
  private void streamed(Report report, ClusterNodes cluster, Path jar) throws IOException, InterruptedException {
    long n = quick ? 1_000_000 : 10_000_000;
    Progress.say("  a %,d-line items file: shoal submit --items against shoal run --items ...", n);
    Path items = work.resolve("streamed-items.jsonl");
    try (java.io.BufferedWriter w = Files.newBufferedWriter(items, java.nio.charset.StandardCharsets.UTF_8)) {
      for (long i = 0; i < n; i++) {
        w.write("{\"id\":" + i + ",\"path\":\"/data/part-" + (i % 977) + "\"}\n");
      }
    }
    Path local = work.resolve("streamed-run.jsonl");
    Path remote = work.resolve("streamed-submit.jsonl");
    double runS = timed(jar, List.of(), null, "run", "--fn", "echo", "--items", items.toString(), "--out", local.toString());
    double submitS = timed(jar, List.of("-Xmx256m"), cluster.token(), "submit", "--coordinator", cluster.url(), "--fn", "echo",
        "--no-progress", "--items", items.toString(), "--out", remote.toString());
    boolean same = AnchorWriter.sha256(local).equals(AnchorWriter.sha256(remote));
    String mb = String.format(Locale.ROOT, "%.0f MB", Files.size(items) / 1e6);
    Files.deleteIfExists(local);
    Files.deleteIfExists(remote);
    Files.deleteIfExists(items);
    String check = same ? "outputs identical" : "OUTPUTS DIFFER";
    report.extras.add(new Report.Extra("items file (" + n / 1_000_000 + " M lines, " + mb + ") echo, shoal run --items",
        n / runS, "items/s", String.format(Locale.ROOT, "one process, %.2f s including its start", runS)));
    report.extras.add(new Report.Extra("items file (" + n / 1_000_000 + " M lines, " + mb + ") echo, shoal submit --items",
        n / submitS, "items/s", String.format(Locale.ROOT, "client -Xmx256m, uploaded to the 2-worker cluster while results "
            + "stream back; one process, %.2f s including its start; %s", submitS, check)));
    report.extras.add(new Report.Extra(Targets.STREAMED, same ? runS / submitS : Double.NaN, "×",
        "cluster items/s over local items/s for the same file, same run; " + check));
    Progress.say("  items file: run %.2f s, submit %.2f s (%.2f × local); %s", runS, submitS, runS / submitS, check);
  }

  /** Seconds {@code shoal args} takes as a process of its own; fails unless it exits 0. */
  private static double timed(Path jar, List<String> jvm, String token, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    cmd.addAll(jvm);
    cmd.addAll(List.of("-jar", jar.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
    pb.environment().keySet().removeIf(k -> k.startsWith("SHOAL_"));
    if (token != null) {
      pb.environment().put("SHOAL_TOKEN", token);
    }
    long t0 = System.nanoTime();
    Process p = pb.start();
    if (!p.waitFor(10, java.util.concurrent.TimeUnit.MINUTES) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException("shoal " + String.join(" ", args) + " failed (exit " + (p.isAlive() ? "none" : p.exitValue()) + ")");
    }
    return (System.nanoTime() - t0) / 1e9;
  }

  /**
   * Kills a worker with {@code kill -9} in the middle of a long {@code sha256} job and times (a) the
   * coordinator's {@code worker lost} log line and (b) results flowing again: in an ordered job the
   * result stream stalls at the first chunk the dead worker held and moves on only once that chunk
   * has run elsewhere, so the end of the longest stall after the kill bounds (b) from above.
   */
  private void recovery(Report report, Pool pool, ClusterNodes cluster) throws Exception {
    int items = 40_000;
    Progress.say("  kill -9 of a worker during a %,d-item sha256 job ...", items);
    List<Long> arrivals = new ArrayList<>();
    long killAt = 0;
    long received = 0;
    JobStatus status;
    cluster.forget(WORKER_LOST);
    ClusterNodes.Node victim = cluster.workers().get(cluster.workers().size() - 1);
    try (JobHandle job = pool.submit(new JobRequest("sha256", "{\"rounds\":5000}", 0, true, 0), Items.range(0, items))) {
      for (Iterator<ResultChunk> it = job.chunks(); it.hasNext(); ) {
        ResultChunk c = it.next();
        long now = System.nanoTime();
        arrivals.add(now);
        received += c.results().size();
        if (killAt == 0 && received >= items / 10) {
          cluster.kill(victim);
          killAt = System.nanoTime();
        }
      }
      status = job.await();
    }
    Long lostAt = cluster.firstSeenNanos(WORKER_LOST);
    long resumedAt = 0;
    long longestGap = -1;
    for (int i = 1; i < arrivals.size(); i++) {
      if (arrivals.get(i) > killAt && arrivals.get(i) - Math.max(arrivals.get(i - 1), killAt) > longestGap) {
        longestGap = arrivals.get(i) - Math.max(arrivals.get(i - 1), killAt);
        resumedAt = arrivals.get(i);
      }
    }
    boolean complete = received == items && status.errors() == 0;
    String check = String.format(Locale.ROOT, "%s, %,d of %,d results, %d errors", status.state(), received, items, status.errors());
    if (lostAt != null) {
      report.extras.add(new Report.Extra("worker kill -9 to the coordinator's \"worker lost\"", (lostAt - killAt) / 1e9, "s",
          "the coordinator's log line, timed as the harness read it; " + check));
    }
    report.extras.add(new Report.Extra(Targets.RECOVERY, complete && resumedAt > 0 ? (resumedAt - killAt) / 1e9 : Double.NaN, "s",
        "upper bound: kill -9 to the end of the longest stall of the ordered result stream (the lost chunk was re-run and "
        + "delivered); " + check));
    Progress.say("  recovery: worker lost after %s s, results flowing again after %.2f s; %s",
        lostAt == null ? "?" : String.format(Locale.ROOT, "%.2f", (lostAt - killAt) / 1e9), (resumedAt - killAt) / 1e9, check);
  }
}
