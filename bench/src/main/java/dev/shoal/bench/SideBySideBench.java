package dev.shoal.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.client.Pool;
import dev.shoal.client.Shoal;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What one feature of a cluster costs: two clusters that differ in that feature alone, each a
 * coordinator and {@link ClusterBench#WORKERS} worker JVMs on loopback, started one after the other
 * and then both kept up and warm. Measures on each the {@code sha256} job and the 1,000,000-item
 * {@code square} job through {@code Shoal.connect} (job time as in {@link ShoalRuns}: submission to
 * the last result written, every output checked against the anchors) and the HTTP single-item round
 * trip ({@link HttpRoundTrip}), and reports each side's median and their ratio. Two comparisons:
 * {@link #TLS_COST}, mutual TLS between nodes against plain text, and {@link #JOURNAL_COST}, the
 * journal (the default: every job event-sourced in an H2 file before its {@code 202}, every batch of
 * results recorded before it counts) against a coordinator started with {@code --no-journal}; the
 * latter also times a restarted coordinator's recovery after a {@code kill -9}.
 *
 * <p>Guarantees: the two sides take turns, run by run (warm-ups included) and in blocks of {@value
 * #HTTP_BLOCK} HTTP jobs, and the side that goes first flips every round (base, other, other, base,
 * ...), so a spell of load from other work on the shared machine, or a drift over the run, falls on
 * both alike. Before measuring, the nodes' logs are checked to show each side really has (or lacks)
 * the feature.
 *
 * <p>Caveats: the cluster that waits still gossips and heartbeats (a few messages a second, small
 * next to a job). All seven JVMs share the machine's cores; quote the ratios, not the times.
 */
final class SideBySideBench {

  /** Fails unless a started cluster's logs show it is the side it should be. */
  interface Check {
    void verify(ClusterNodes cluster) throws IOException;
  }

  /** Something measured on the second side after the paired runs. */
  interface Finale {
    void run(Report report, ClusterNodes cluster) throws Exception;
  }

  /**
   * One side: {@code system} names its rows in the report, {@code cluster} and {@code shortName}
   * its figures; {@code coordinatorEnv} goes to its coordinator.
   */
  record Variant(String system, String cluster, String shortName, boolean tls, Map<String, String> coordinatorEnv,
      Check check) {}

  /** Two sides, {@code other} costing what {@code base} lacks; {@code dir} names the logs' folder. */
  record Comparison(String title, String dir, Variant base, Variant other, Finale finale) {}

  /** What the launcher prints on a node started with {@code --no-tls} or {@code SHOAL_NO_TLS=true}. */
  private static final String PLAIN_TEXT_WARNING = "nodes talk in plain text";
  /** What a coordinator prints at start about its journal, with and without one. */
  private static final String JOURNALED = "jobs are journaled in";
  private static final String NOT_JOURNALED = "jobs are not journaled";

  static final Variant PLAIN = new Variant("Shoal cluster, plain text", "plain-text cluster", "plain text", false,
      Map.of(), everyNodeSays(PLAIN_TEXT_WARNING, true));
  static final Variant TLS = new Variant("Shoal cluster, TLS", "TLS cluster", "TLS", true, Map.of(),
      everyNodeSays(PLAIN_TEXT_WARNING, false));
  static final Variant NO_JOURNAL = new Variant("Shoal cluster, no journal", "cluster without a journal", "no journal",
      true, Map.of("SHOAL_NO_JOURNAL", "true"), coordinatorSays(NOT_JOURNALED));
  static final Variant JOURNAL = new Variant("Shoal cluster, journaled", "journaled cluster", "journal", true, Map.of(),
      coordinatorSays(JOURNALED));

  static final Comparison TLS_COST = new Comparison("TLS between nodes", "tls-logs", PLAIN, TLS, null);
  static final Comparison JOURNAL_COST = new Comparison("The journal (H2 file, the default)", "journal-logs", NO_JOURNAL,
      JOURNAL, SideBySideBench::coordinatorKill);

  /** The goal for {@link #coordinatorKill}'s figure, and its name in the report. */
  static final String COORDINATOR_RECOVERY = "coordinator kill -9: restarted coordinator up to work running again";

  private static final int HTTP_BLOCK = 100;

  private final Comparison comparison;
  private final Path repo;
  private final Anchors anchors;
  private final Path work;
  private final Path logs;
  private final boolean quick;
  private final int warmups;

  /** @param logs where each cluster's node logs and data folder go, one folder per side; kept after the run */
  SideBySideBench(Comparison comparison, Path repo, Anchors anchors, Path work, Path logs, boolean quick, int warmups) {
    this.comparison = comparison;
    this.repo = repo;
    this.anchors = anchors;
    this.work = work;
    this.logs = logs;
    this.quick = quick;
    this.warmups = warmups;
  }

  /** One side's counted runs of one workload, and whether every run's output was right. */
  private static final class Side {
    final Variant variant;
    final Pool pool;
    final List<Double> seconds = new ArrayList<>();
    boolean digestOk = true;
    long itemErrors;

    Side(Variant variant, Pool pool) {
      this.variant = variant;
      this.pool = pool;
    }
  }

  void run(Report report) throws Exception {
    Path jar = repo.resolve("cli/target/shoal.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("no " + jar + "; build it first (bench/run does)");
    }
    Variant b = comparison.base();
    Variant o = comparison.other();
    Progress.say("%n%s: a %s and a %s, each a coordinator and %d worker JVMs on loopback, taking turns",
        comparison.title(), b.cluster(), o.cluster(), ClusterBench.WORKERS);
    try (ClusterNodes base = start(b, jar); ClusterNodes other = start(o, jar)) {
      try (Pool basePool = Shoal.connect(base.url(), base.token()); Pool otherPool = Shoal.connect(other.url(), other.token())) {
        for (Workload w : List.of(Workload.SHA256, Workload.SQUARE)) {
          workload(report, w, new Side(b, basePool), new Side(o, otherPool));
        }
      }
      http(report, new HttpRoundTrip(base.url(), base.token()), new HttpRoundTrip(other.url(), other.token()));
      if (comparison.finale() != null) {
        comparison.finale().run(report, other);
      }
    }
  }

  /** Starts a side's nodes and waits for its workers; stops what it started if that fails. */
  private ClusterNodes start(Variant v, Path jar) throws Exception {
    Path dir = Files.createDirectories(logs.resolve(v.shortName().replace(' ', '-')));
    ClusterNodes cluster = (v.tls() ? new ClusterNodes(jar, dir, List.of()) : ClusterNodes.plainText(jar, dir, List.of()))
        .withCoordinatorEnv(v.coordinatorEnv());
    try {
      long t0 = System.nanoTime();
      cluster.startCoordinator(List.of());
      for (int i = 1; i <= ClusterBench.WORKERS; i++) {
        cluster.startWorker("worker-" + i);
      }
      cluster.awaitWorkers(ClusterBench.WORKERS, Duration.ofSeconds(180));
      v.check().verify(cluster);
      Progress.say("  %s up in %.1f s at %s (not part of any job time)", v.cluster(), (System.nanoTime() - t0) / 1e9,
          cluster.url());
      return cluster;
    } catch (Exception e) {
      cluster.close();
      throw e;
    }
  }

  private static Check everyNodeSays(String line, boolean present) {
    return cluster -> {
      List<ClusterNodes.Node> nodes = new ArrayList<>(cluster.workers());
      nodes.add(cluster.coordinator());
      for (ClusterNodes.Node n : nodes) {
        if (Files.readString(n.log(), StandardCharsets.UTF_8).contains(line) != present) {
          throw new IllegalStateException(n.name() + (present ? " does not say \"" : " says \"") + line + "\"; see " + n.log());
        }
      }
    };
  }

  private static Check coordinatorSays(String line) {
    return cluster -> {
      Path log = cluster.coordinator().log();
      if (!Files.readString(log, StandardCharsets.UTF_8).contains(line)) {
        throw new IllegalStateException("the coordinator does not say \"" + line + "\"; see " + log);
      }
    };
  }

  /** The name of the ratio of {@code w}'s job times in the report, other / base. */
  static String ratioName(Comparison c, Workload w) {
    return w.label + " cluster job, " + c.other().shortName() + " / " + c.base().shortName();
  }

  private void workload(Report report, Workload w, Side base, Side other) throws IOException {
    Runs runs = Runs.sideBySide(w, quick, warmups);
    Progress.say("  %s: %d warm-ups and %d runs on each side, taking turns ...", w.label, runs.warmups(), runs.counted());
    ShoalRuns shoal = new ShoalRuns(anchors, work, warmups);
    Path out = work.resolve(comparison.dir() + "-" + w.anchor + ".txt");
    for (int i = 0; i < runs.warmups() + runs.counted(); i++) {
      for (Side side : i % 2 == 0 ? List.of(base, other) : List.of(other, base)) {
        ShoalRuns.Run r = shoal.once(side.pool, w, out);
        side.digestOk &= r.digestOk();
        side.itemErrors = Math.max(side.itemErrors, r.itemErrors());
        if (i >= runs.warmups()) {
          side.seconds.add(r.seconds());
        }
      }
    }
    String workers = ClusterBench.WORKERS + " JVMs × " + Runtime.getRuntime().availableProcessors() + " slots";
    Measurement b = measurement(base, w, workers, runs);
    Measurement o = measurement(other, w, workers, runs);
    report.rows.add(b);
    report.rows.add(o);
    List<Double> paired = new ArrayList<>();
    for (int i = 0; i < other.seconds.size(); i++) {
      paired.add(other.seconds.get(i) / base.seconds.get(i));
    }
    boolean ok = b.digestOk() && o.digestOk();
    String os = other.variant.shortName();
    String bs = base.variant.shortName();
    report.extras.add(new Report.Extra(ratioName(comparison, w), o.medianS() / b.medianS(), "×",
        String.format(Locale.ROOT, "median job time %.3f s with %s / %.3f s with %s, %d runs each after %d warm-ups, "
            + "the two clusters taking turns; median of the %d paired ratios %.2f; outputs %s", o.medianS(), os, b.medianS(),
            bs, runs.counted(), runs.warmups(), paired.size(), Stats.median(paired), ok ? "ok" : "WRONG")));
    Progress.say("  %s %s / %s: %.2f × (median of the paired ratios %.2f)%s", w.label, os, bs, o.medianS() / b.medianS(),
        Stats.median(paired), ok ? "" : "  WRONG OUTPUT");
  }

  private static Measurement measurement(Side side, Workload w, String workers, Runs runs) {
    Measurement m = Measurement.of(side.variant.system(), true, w, workers, side.seconds, List.of(), runs.warmups(),
        side.digestOk, side.itemErrors, null);
    Progress.say("  %-25s %-7s job %.3f s (min %.3f max %.3f) %,.0f items/s%s", side.variant.system(), w.label,
        m.medianS(), m.minS(), m.maxS(), m.itemsPerSecond(), m.digestOk() ? "" : "  WRONG OUTPUT");
    return m;
  }

  /** The single-item HTTP round trip on both clusters, in alternating blocks of {@value #HTTP_BLOCK} jobs. */
  private void http(Report report, HttpRoundTrip base, HttpRoundTrip other) throws IOException, InterruptedException {
    int warm = quick ? 500 : 3000;
    int jobs = quick ? 200 : 1000;
    Progress.say("  HTTP single-item round trip, %d jobs on each side after %d warm-ups, in alternating blocks of %d ...",
        jobs, warm, HTTP_BLOCK);
    for (int done = 0, round = 0; done < warm; done += HTTP_BLOCK, round++) {
      int n = Math.min(HTTP_BLOCK, warm - done);
      for (HttpRoundTrip side : round % 2 == 0 ? List.of(base, other) : List.of(other, base)) {
        side.warm(n);
      }
    }
    List<Double> baseMs = new ArrayList<>();
    List<Double> otherMs = new ArrayList<>();
    for (int done = 0, round = 0; done < jobs; done += HTTP_BLOCK, round++) {
      int n = Math.min(HTTP_BLOCK, jobs - done);
      if (round % 2 == 0) {
        baseMs.addAll(base.time(n));
        otherMs.addAll(other.time(n));
      } else {
        otherMs.addAll(other.time(n));
        baseMs.addAll(base.time(n));
      }
    }
    Variant b = comparison.base();
    Variant o = comparison.other();
    String how = String.format(Locale.ROOT, "%d jobs of one square item on each cluster after %d warm-ups, in alternating "
        + "blocks of %d: %s; the API is plain HTTP on both", jobs, warm, HTTP_BLOCK, HttpRoundTrip.HOW);
    for (int p : new int[] {50, 99}) {
      double bp = Stats.percentile(baseMs, p);
      double op = Stats.percentile(otherMs, p);
      String name = "HTTP single-item job round trip p" + p;
      report.extras.add(new Report.Extra(name + ", " + b.cluster(), bp, "ms", how));
      report.extras.add(new Report.Extra(name + ", " + o.cluster(), op, "ms", how));
      report.extras.add(new Report.Extra(name + ", " + o.shortName() + " / " + b.shortName(), op / bp, "×",
          String.format(Locale.ROOT, "%.2f ms / %.2f ms", op, bp)));
      Progress.say("  HTTP round trip p%d: %.2f ms with %s, %.2f ms with %s: %.2f ×", p, op, o.shortName(), bp,
          b.shortName(), op / bp);
    }
  }

  /**
   * Kills the journaled cluster's coordinator ({@code kill -9}) a fifth of the way into a long
   * {@code sha256} job, starts it again on the same data folder, and times the kill to its API
   * answering (the restarted node first rejoins its workers' cluster) and that to the job's first
   * chunk done after the restart; then checks that the job ended with one result per item, in order.
   */
  private static void coordinatorKill(Report report, ClusterNodes cluster) throws Exception {
    int items = 20_000;
    Progress.say("  kill -9 of the coordinator during a %,d-item sha256 job, restarted on its data folder ...", items);
    String id = cluster.submit("{\"function\":\"sha256\",\"range\":{\"start\":0,\"end\":" + items
        + "},\"args\":{\"rounds\":5000}}");
    awaitStatus(cluster, id, s -> s.path("done").asLong() >= items / 5, Duration.ofMinutes(5), items / 5 + " items done");
    long killAt = System.nanoTime();
    cluster.restartCoordinator();
    JsonNode first = awaitStatus(cluster, id, s -> true, Duration.ofMinutes(3), "the restarted coordinator's answer");
    long upAt = System.nanoTime();
    long recovered = first.path("done").asLong();
    awaitStatus(cluster, id, s -> s.path("done").asLong() > recovered || s.path("state").asText().equals("SUCCEEDED"),
        Duration.ofMinutes(3), "a chunk done after the restart");
    long runningAt = System.nanoTime();
    JsonNode end = awaitStatus(cluster, id, s -> isFinal(s.path("state").asText()), Duration.ofMinutes(10), "the job's end");
    long[] next = {0};
    boolean[] ordered = {true};
    cluster.getLines("/jobs/" + id + "/results", line -> {
      ordered[0] &= line.startsWith("{\"index\":" + next[0] + ",\"value\":\"");
      next[0]++;
    });
    boolean ok = end.path("state").asText().equals("SUCCEEDED") && end.path("errors").asLong() == 0 && next[0] == items
        && ordered[0];
    String check = String.format(Locale.ROOT, "%s, %,d result lines for %,d items%s, %d recorded before the kill",
        end.path("state").asText(), next[0], items, ordered[0] ? " in order" : " OUT OF ORDER", recovered);
    report.extras.add(new Report.Extra("coordinator kill -9 to the restarted coordinator's API answering",
        (upAt - killAt) / 1e9, "s", "the restarted node rejoins its workers' cluster before it opens the API; " + check));
    report.extras.add(new Report.Extra(COORDINATOR_RECOVERY, ok ? (runningAt - upAt) / 1e9 : Double.NaN, "s",
        "upper bound: from the API's first answer to a status showing more items done than it first reported, polled "
            + "every 50 ms; " + check));
    Progress.say("  coordinator recovery: API up %.2f s after the kill, work running %.2f s after that; %s",
        (upAt - killAt) / 1e9, (runningAt - upAt) / 1e9, check);
  }

  private static boolean isFinal(String state) {
    return state.equals("SUCCEEDED") || state.equals("FAILED") || state.equals("CANCELLED");
  }

  private static JsonNode awaitStatus(ClusterNodes cluster, String id, java.util.function.Predicate<JsonNode> until,
      Duration timeout, String what) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      JsonNode s = cluster.getJson("/jobs/" + id);
      if (s != null && until.test(s)) {
        return s;
      }
      Thread.sleep(50);
    }
    throw new IllegalStateException("no " + what + " within " + timeout.toSeconds() + " s; see " + cluster.coordinator().log());
  }
}
