package dev.shoal.bench;

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

/**
 * The cost of mutual TLS between nodes: a plain-text cluster (every node with {@code
 * SHOAL_NO_TLS=true}) and a TLS cluster (the default: Artery {@code tls-tcp} with mutual
 * authentication and the cluster CA the coordinator made), each a coordinator and {@link
 * ClusterBench#WORKERS} worker JVMs on loopback, started one after the other and then both kept up
 * and warm. Measures on each the {@code sha256} job and the 1,000,000-item {@code square} job through
 * {@code Shoal.connect} (job time as in {@link ShoalRuns}: submission to the last result written,
 * every output checked against the anchors) and the HTTP single-item round trip ({@link
 * HttpRoundTrip}), and reports each side's median and TLS / plain text.
 *
 * <p>Guarantees: the two sides take turns, run by run (warm-ups included) and in blocks of {@value
 * #HTTP_BLOCK} HTTP jobs, and the side that goes first flips every round (plain, TLS, TLS, plain,
 * ...), so a spell of load from other work on the shared machine, or a drift over the run, falls on
 * both alike. Before measuring, every node's log is checked for the launcher's plain-text warning:
 * present on each plain-text node, absent on each TLS node, so the two sides really differ.
 *
 * <p>Caveats: the cluster that waits still gossips and heartbeats (a few messages a second, small
 * next to a job). The HTTP API is plain HTTP on both sides (the default; {@code --https} is not
 * measured here), so the round trip's TLS cost is its one item's hop to a worker and back. All
 * seven JVMs share the machine's cores; quote the ratios, not the times.
 */
final class TlsBench {

  static final String PLAIN = "Shoal cluster, plain text";
  static final String TLS = "Shoal cluster, TLS";

  /** What the launcher prints on a node started with {@code --no-tls} or {@code SHOAL_NO_TLS=true}. */
  private static final String PLAIN_TEXT_WARNING = "nodes talk in plain text";
  private static final int HTTP_BLOCK = 100;

  private final Path repo;
  private final Anchors anchors;
  private final Path work;
  private final Path logs;
  private final boolean quick;
  private final int warmups;

  /** @param logs where each cluster's node logs and data folder go, in {@code plain/} and {@code tls/}; kept after the run */
  TlsBench(Path repo, Anchors anchors, Path work, Path logs, boolean quick, int warmups) {
    this.repo = repo;
    this.anchors = anchors;
    this.work = work;
    this.logs = logs;
    this.quick = quick;
    this.warmups = warmups;
  }

  /** One side's counted runs of one workload, and whether every run's output was right. */
  private static final class Side {
    final String system;
    final Pool pool;
    final List<Double> seconds = new ArrayList<>();
    boolean digestOk = true;
    long itemErrors;

    Side(String system, Pool pool) {
      this.system = system;
      this.pool = pool;
    }
  }

  void run(Report report) throws Exception {
    Path jar = repo.resolve("cli/target/shoal.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("no " + jar + "; build it first (bench/run does)");
    }
    Progress.say("%nTLS between nodes: a plain-text and a TLS cluster, each a coordinator and %d worker JVMs on loopback, "
        + "taking turns", ClusterBench.WORKERS);
    try (ClusterNodes plain = start(ClusterNodes.plainText(jar, dir("plain"), List.of()));
        ClusterNodes tls = start(new ClusterNodes(jar, dir("tls"), List.of()))) {
      try (Pool plainPool = Shoal.connect(plain.url(), plain.token()); Pool tlsPool = Shoal.connect(tls.url(), tls.token())) {
        for (Workload w : List.of(Workload.SHA256, Workload.SQUARE)) {
          workload(report, w, new Side(PLAIN, plainPool), new Side(TLS, tlsPool));
        }
      }
      http(report, new HttpRoundTrip(plain.url(), plain.token()), new HttpRoundTrip(tls.url(), tls.token()));
    }
  }

  private Path dir(String name) throws IOException {
    return Files.createDirectories(logs.resolve(name));
  }

  /** Starts the cluster's nodes and waits for its workers; stops what it started if that fails. */
  private static ClusterNodes start(ClusterNodes cluster) throws Exception {
    try {
      long t0 = System.nanoTime();
      cluster.startCoordinator(List.of());
      for (int i = 1; i <= ClusterBench.WORKERS; i++) {
        cluster.startWorker("worker-" + i);
      }
      cluster.awaitWorkers(ClusterBench.WORKERS, Duration.ofSeconds(180));
      checkTransport(cluster);
      Progress.say("  %s cluster up in %.1f s at %s (not part of any job time)", cluster.tls() ? "TLS" : "plain-text",
          (System.nanoTime() - t0) / 1e9, cluster.url());
      return cluster;
    } catch (Exception e) {
      cluster.close();
      throw e;
    }
  }

  /** Fails unless every node's log shows the transport the cluster was meant to have. */
  private static void checkTransport(ClusterNodes cluster) throws IOException {
    List<ClusterNodes.Node> nodes = new ArrayList<>(cluster.workers());
    nodes.add(cluster.coordinator());
    for (ClusterNodes.Node n : nodes) {
      boolean plain = Files.readString(n.log(), StandardCharsets.UTF_8).contains(PLAIN_TEXT_WARNING);
      if (plain == cluster.tls()) {
        throw new IllegalStateException(n.name() + " of the " + (cluster.tls() ? "TLS" : "plain-text") + " cluster "
            + (plain ? "talks" : "does not say it talks") + " plain text; see " + n.log());
      }
    }
  }

  private void workload(Report report, Workload w, Side plain, Side tls) throws IOException {
    Runs runs = Runs.tls(w, quick, warmups);
    Progress.say("  %s: %d warm-ups and %d runs on each side, taking turns ...", w.label, runs.warmups(), runs.counted());
    ShoalRuns shoal = new ShoalRuns(anchors, work, warmups);
    Path out = work.resolve("tls-" + w.anchor + ".txt");
    for (int i = 0; i < runs.warmups() + runs.counted(); i++) {
      for (Side side : i % 2 == 0 ? List.of(plain, tls) : List.of(tls, plain)) {
        ShoalRuns.Run r = shoal.once(side.pool, w, out);
        side.digestOk &= r.digestOk();
        side.itemErrors = Math.max(side.itemErrors, r.itemErrors());
        if (i >= runs.warmups()) {
          side.seconds.add(r.seconds());
        }
      }
    }
    String workers = ClusterBench.WORKERS + " JVMs × " + Runtime.getRuntime().availableProcessors() + " slots";
    Measurement p = measurement(plain, w, workers, runs);
    Measurement t = measurement(tls, w, workers, runs);
    report.rows.add(p);
    report.rows.add(t);
    List<Double> paired = new ArrayList<>();
    for (int i = 0; i < tls.seconds.size(); i++) {
      paired.add(tls.seconds.get(i) / plain.seconds.get(i));
    }
    boolean ok = p.digestOk() && t.digestOk();
    report.extras.add(new Report.Extra(w.label + " cluster job, TLS / plain text", t.medianS() / p.medianS(), "×",
        String.format(Locale.ROOT, "median job time %.3f s with TLS / %.3f s in plain text, %d runs each after %d warm-ups, "
            + "the two clusters taking turns; median of the %d paired ratios %.2f; outputs %s", t.medianS(), p.medianS(),
            runs.counted(), runs.warmups(), paired.size(), Stats.median(paired), ok ? "ok" : "WRONG")));
    Progress.say("  %s TLS / plain text: %.2f × (median of the paired ratios %.2f)%s", w.label, t.medianS() / p.medianS(),
        Stats.median(paired), ok ? "" : "  WRONG OUTPUT");
  }

  private static Measurement measurement(Side side, Workload w, String workers, Runs runs) {
    Measurement m = Measurement.of(side.system, true, w, workers, side.seconds, List.of(), runs.warmups(), side.digestOk,
        side.itemErrors, null);
    Progress.say("  %-25s %-7s job %.3f s (min %.3f max %.3f) %,.0f items/s%s", side.system, w.label, m.medianS(),
        m.minS(), m.maxS(), m.itemsPerSecond(), m.digestOk() ? "" : "  WRONG OUTPUT");
    return m;
  }

  /** The single-item HTTP round trip on both clusters, in alternating blocks of {@value #HTTP_BLOCK} jobs. */
  private void http(Report report, HttpRoundTrip plain, HttpRoundTrip tls) throws IOException, InterruptedException {
    int warm = quick ? 500 : 3000;
    int jobs = quick ? 200 : 1000;
    Progress.say("  HTTP single-item round trip, %d jobs on each side after %d warm-ups, in alternating blocks of %d ...",
        jobs, warm, HTTP_BLOCK);
    for (int done = 0, round = 0; done < warm; done += HTTP_BLOCK, round++) {
      int n = Math.min(HTTP_BLOCK, warm - done);
      for (HttpRoundTrip side : round % 2 == 0 ? List.of(plain, tls) : List.of(tls, plain)) {
        side.warm(n);
      }
    }
    List<Double> plainMs = new ArrayList<>();
    List<Double> tlsMs = new ArrayList<>();
    for (int done = 0, round = 0; done < jobs; done += HTTP_BLOCK, round++) {
      int n = Math.min(HTTP_BLOCK, jobs - done);
      if (round % 2 == 0) {
        plainMs.addAll(plain.time(n));
        tlsMs.addAll(tls.time(n));
      } else {
        tlsMs.addAll(tls.time(n));
        plainMs.addAll(plain.time(n));
      }
    }
    String how = String.format(Locale.ROOT, "%d jobs of one square item on each cluster after %d warm-ups, in alternating "
        + "blocks of %d: %s; the API is plain HTTP on both", jobs, warm, HTTP_BLOCK, HttpRoundTrip.HOW);
    for (int p : new int[] {50, 99}) {
      double plainP = Stats.percentile(plainMs, p);
      double tlsP = Stats.percentile(tlsMs, p);
      report.extras.add(new Report.Extra("HTTP single-item job round trip p" + p + ", plain-text cluster", plainP, "ms", how));
      report.extras.add(new Report.Extra("HTTP single-item job round trip p" + p + ", TLS cluster", tlsP, "ms", how));
      report.extras.add(new Report.Extra("HTTP single-item job round trip p" + p + ", TLS / plain text", tlsP / plainP, "×",
          String.format(Locale.ROOT, "%.2f ms / %.2f ms", tlsP, plainP)));
      Progress.say("  HTTP round trip p%d: %.2f ms with TLS, %.2f ms in plain text: %.2f ×", p, tlsP, plainP, tlsP / plainP);
    }
  }
}
