package dev.shoal.bench;

import dev.shoal.client.Pool;
import dev.shoal.client.Shoal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The coordinator's ceiling: tiny tasks ({@code echo}, {@code chunkSize} 1, so every item is its
 * own offer, dispatch, result and record) through one coordinator as the number of worker actors
 * grows, spread over {@value #JVMS} worker JVMs ({@code SHOAL_WORKER_ACTORS} actors of one slot each
 * per JVM). For each point the workers are started afresh, uncounted jobs warm them (three at the
 * first point, which also warm the coordinator's JIT), then the counted jobs give chunks per second.
 * At the largest point the coordinator is recorded with JFR and its hottest frames and threads go
 * into the report. The curve is drawn to {@code ceiling.png}.
 *
 * <p>Caveat: on a 2-core machine the coordinator, four worker JVMs and this harness share two
 * cores, so the curve measures the coordinator's cost per chunk under that contention, not what it
 * would do with cores of its own; the JFR profile says which part of the work is the coordinator's.
 */
final class CeilingBench {

  static final int JVMS = 4;
  static final String NAME = "coordinator ceiling, tiny tasks";
  /** The point the goal names: 50,000 chunks/s at 200 worker actors. */
  static final int GOAL_WORKERS = 200;
  static final String AT_GOAL = "tiny tasks at " + GOAL_WORKERS + " worker actors (" + JVMS + " JVMs)";

  private final Path repo;
  private final Path logs;
  private final boolean quick;
  private final Path publishedChart;

  /**
   * @param logs the nodes' logs, the JFR recording and the chart; kept after the run
   * @param publishedChart where the chart is copied too (bench/ceiling.png with --publish), or null
   */
  CeilingBench(Path repo, Path logs, boolean quick, Path publishedChart) {
    this.repo = repo;
    this.logs = logs;
    this.quick = quick;
    this.publishedChart = publishedChart;
  }

  record Point(int workers, double chunksPerSecond, double minS, double maxS) {}

  void run(Report report) throws Exception {
    Path jar = repo.resolve("cli/target/shoal.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("no " + jar + "; build it first (bench/run does)");
    }
    Files.createDirectories(logs);
    int[] actorsPerJvm = quick ? new int[] {3, 50, 100} : new int[] {1, 3, 10, 25, 50, 100};
    long items = quick ? 20_000 : 50_000;
    int counted = quick ? 1 : 3;
    Progress.say("%nthe coordinator's ceiling: %,d echo items, chunkSize 1, over %d worker JVMs of 1-slot actors", items, JVMS);
    List<Point> points = new ArrayList<>();
    Path recording = logs.resolve("coordinator-ceiling.jfr");
    Files.deleteIfExists(recording);
    try (ClusterNodes cluster = new ClusterNodes(jar, logs, List.of())) {
      cluster.startCoordinator(List.of());
      cluster.awaitWorkers(0, Duration.ofSeconds(120));
      try (Pool pool = Shoal.connect(cluster.url(), cluster.token())) {
        for (int perJvm : actorsPerJvm) {
          int workers = perJvm * JVMS;
          long t0 = System.nanoTime();
          for (int j = 1; j <= JVMS; j++) {
            cluster.startWorker("ceiling-" + workers + "-" + j,
                Map.of("SHOAL_WORKER_ACTORS", String.valueOf(perJvm), "SHOAL_SLOTS", "1"));
          }
          cluster.awaitExactlyWorkers(workers, Duration.ofSeconds(240));
          Progress.say("  %d worker actors up in %.1f s", workers, (System.nanoTime() - t0) / 1e9);
          // the coordinator's JIT is still compiling the chunk path through the first few jobs
          for (int w = 0; w < (points.isEmpty() ? 3 : 1); w++) {
            ClusterBench.echoJob(pool, items);
          }
          boolean profile = perJvm == actorsPerJvm[actorsPerJvm.length - 1];
          if (profile) {
            jcmd(cluster.coordinator().process().pid(), "JFR.start", "name=ceiling", "settings=profile");
          }
          List<Double> seconds = new ArrayList<>();
          for (int run = 0; run < counted; run++) {
            seconds.add(ClusterBench.echoJob(pool, items));
          }
          if (profile) {
            jcmd(cluster.coordinator().process().pid(), "JFR.stop", "name=ceiling", "filename=" + recording);
          }
          double median = Stats.median(seconds);
          Point p = new Point(workers, items / median, Stats.min(seconds), Stats.max(seconds));
          points.add(p);
          Progress.say("  %d worker actors: %,.0f chunks/s (median of %d: %.2f s)", workers, p.chunksPerSecond(), counted, median);
          cluster.stopWorkers();
          cluster.awaitExactlyWorkers(0, Duration.ofSeconds(120));
        }
      }
    }
    for (Point p : points) {
      report.extras.add(new Report.Extra(NAME + ", " + p.workers() + " worker actors", p.chunksPerSecond(), "chunks/s",
          String.format(Locale.ROOT, "%,d echo items, chunkSize 1, %d JVMs × %d actors × 1 slot, TLS, through Shoal.connect, "
              + "every value checked; median of %d after warm-up jobs (3 at the first point, 1 after) (%.2f–%.2f s)", items, JVMS, p.workers() / JVMS,
              counted, p.minS(), p.maxS())));
    }
    // the goal's point, or the nearest measured one above it (--quick has no 200)
    points.stream().filter(p -> p.workers() >= GOAL_WORKERS).findFirst().ifPresent(p ->
        report.extras.add(new Report.Extra(AT_GOAL, p.chunksPerSecond(), "chunks/s",
            "measured at " + p.workers() + " worker actors")));
    Path chart = logs.resolve("ceiling.png");
    LineChart.draw(chart, "Shoal: one coordinator, tiny tasks (echo, chunkSize 1), " + JVMS + " worker JVMs",
        "worker actors (1 slot each)", "chunks/s",
        points.stream().mapToDouble(Point::workers).toArray(),
        points.stream().mapToDouble(Point::chunksPerSecond).toArray(), 50_000, "goal: 50,000 chunks/s at 200 workers");
    if (publishedChart != null) {
      Files.copy(chart, publishedChart, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }
    Progress.say("  chart: %s", chart);
    if (Files.isRegularFile(recording)) {
      JfrTop top = JfrTop.read(recording);
      report.notes.add("Coordinator at the ceiling (" + points.get(points.size() - 1).workers() + " worker actors), JFR "
          + "execution samples (" + recording.getFileName() + " in " + logs.getFileName() + "): " + top.summary(8));
      Progress.say("  coordinator JFR: %s", top.summary(8));
    }
  }

  /** Runs {@code jcmd PID args...} from this JVM's JDK; fails on a non-zero exit. */
  private static void jcmd(long pid, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
        String.valueOf(pid)));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out.strip());
    }
  }
}
