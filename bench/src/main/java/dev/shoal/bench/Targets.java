package dev.shoal.bench;

import dev.shoal.bench.Baselines.Kind;
import dev.shoal.bench.Report.Target;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The performance targets of the issue, checked against one report. A figure from a wrong output
 * never meets a target, and a target whose figures were not measured in this run says so.
 */
final class Targets {

  static final String LOCAL = "Shoal local";
  static final String CLUSTER = "Shoal cluster";

  static final String HTTP_P50 = "HTTP single-item job round trip p50";
  static final String HTTP_P99 = "HTTP single-item job round trip p99";
  static final String HEAP = "coordinator heap, 10M-item square job";
  static final String RECOVERY = "worker kill -9 to its chunks running elsewhere";
  static final String TINY = "tiny tasks through one coordinator (echo, chunkSize 1)";
  static final String SUBMITTED = "square 1M via shoal submit --out, whole process";
  static final String STREAMED = "items file through the cluster ÷ shoal run --items";

  private Targets() {}

  static List<Target> check(Report r) {
    List<Target> out = new ArrayList<>();
    for (String mode : List.of(LOCAL, CLUSTER)) {
      double limit = mode.equals(LOCAL) ? 1.05 : 1.15;
      out.add(relative(r, mode, Workload.SHA256, Kind.JAVA_FIXED.label, limit, "≤ " + limit + " × Java fixed-pool loop_s"));
      // stricter than the issue asks: the same limit against the fixed pool in a warm JVM, as Shoal's nodes are
      out.add(relative(r, mode, Workload.SHA256, Kind.JAVA_FIXED.label + Baselines.WARM, limit,
          "(stricter) ≤ " + limit + " × the warm Java fixed-pool loop"));
    }
    for (String mode : List.of(LOCAL, CLUSTER)) {
      out.add(relative(r, mode, Workload.SHA256, Kind.PY_POOL.label, 0.5, "≥ 2 × faster than Python Pool.map"));
    }
    out.add(rate(r, LOCAL, Workload.SQUARE, 8e6));
    out.add(rate(r, CLUSTER, Workload.SQUARE, 5e6));
    for (String mode : List.of(LOCAL, CLUSTER)) {
      out.add(relative(r, mode, Workload.SQUARE, Kind.PY_POOL.label, 1.0, "faster than Python Pool.map"));
    }
    out.add(absolute(r, LOCAL, Workload.SLEEPMANY, 0.10));
    out.add(absolute(r, LOCAL, Workload.SLEEP, 2.05));
    out.add(absolute(r, CLUSTER, Workload.SLEEP, 2.05));
    out.add(extra(r, HTTP_P50, "ms", 1.0));
    out.add(extra(r, HTTP_P99, "ms", 5.0));
    out.add(extra(r, HEAP, "MB", 256));
    out.add(extra(r, RECOVERY, "s", 3.0));
    out.add(atLeast(r, STREAMED, "×", 0.5));
    out.add(atLeast(r, TINY, "chunks/s", 50_000));
    out.add(atLeast(r, CeilingBench.AT_GOAL, "chunks/s", 50_000));
    out.add(cost(r, SideBySideBench.TLS_COST, Workload.SHA256, 1.10));
    out.add(cost(r, SideBySideBench.TLS_COST, Workload.SQUARE, 1.30));
    out.add(cost(r, SideBySideBench.JOURNAL_COST, Workload.SHA256, 1.10));
    out.add(cost(r, SideBySideBench.JOURNAL_COST, Workload.SQUARE, 1.25));
    out.add(extra(r, SideBySideBench.COORDINATOR_RECOVERY, "s", 5.0));
    return out;
  }

  private static Target relative(Report r, String mode, Workload w, String base, double limit, String goal) {
    String name = w.label + " " + mode(mode) + " vs " + base;
    Optional<Measurement> s = r.find(mode, w);
    Optional<Measurement> b = r.find(base, w);
    if (s.isEmpty() || b.isEmpty()) {
      return notMeasured(name, goal, limit);
    }
    double ratio = s.get().medianS() / b.get().medianS();
    String measured = String.format(Locale.ROOT, "%.3f s / %.3f s = %.2f ×", s.get().medianS(), b.get().medianS(), ratio);
    return new Target(name, goal, measured, ratio, limit, verdict(s.get().digestOk() && b.get().digestOk(), ratio <= limit));
  }

  /** What a feature costs (TLS, the journal), from {@link SideBySideBench}'s two clusters of the same run. */
  private static Target cost(Report r, SideBySideBench.Comparison c, Workload w, double limit) {
    String name = w.label + " cluster, " + c.other().shortName() + " vs " + c.base().shortName();
    String goal = String.format(Locale.ROOT, "≤ %.0f %% slower (≤ %.2f ×)", (limit - 1) * 100, limit);
    Optional<Measurement> other = r.find(c.other().system(), w);
    Optional<Measurement> base = r.find(c.base().system(), w);
    if (other.isEmpty() || base.isEmpty()) {
      return notMeasured(name, goal, limit);
    }
    double ratio = other.get().medianS() / base.get().medianS();
    String measured = String.format(Locale.ROOT, "%.3f s / %.3f s = %.2f ×", other.get().medianS(), base.get().medianS(), ratio);
    return new Target(name, goal, measured, ratio, limit, verdict(other.get().digestOk() && base.get().digestOk(), ratio <= limit));
  }

  private static Target rate(Report r, String mode, Workload w, double perSecond) {
    String name = w.label + " " + mode(mode) + " throughput";
    String goal = "≥ " + Report.rate(perSecond) + " items/s, results written";
    Optional<Measurement> s = r.find(mode, w);
    if (s.isEmpty()) {
      return notMeasured(name, goal, perSecond);
    }
    double rate = s.get().itemsPerSecond();
    return new Target(name, goal, Report.rate(rate) + " items/s", rate, perSecond, verdict(s.get().digestOk(), rate >= perSecond));
  }

  private static Target absolute(Report r, String mode, Workload w, double limitS) {
    String name = w.label + " " + mode(mode) + " job time";
    String goal = "≤ " + limitS + " s";
    Optional<Measurement> s = r.find(mode, w);
    if (s.isEmpty()) {
      return notMeasured(name, goal, limitS);
    }
    return new Target(name, goal, String.format(Locale.ROOT, "%.3f s", s.get().medianS()), s.get().medianS(), limitS,
        verdict(s.get().digestOk(), s.get().medianS() <= limitS));
  }

  private static Target extra(Report r, String name, String unit, double limit) {
    String goal = "≤ " + Report.num(limit) + " " + unit;
    return r.extra(name)
        .filter(e -> !Double.isNaN(e.value()))
        .map(e -> new Target(name, goal, Report.num(e.value()) + " " + e.unit(), e.value(), limit, verdict(true, e.value() <= limit)))
        .orElse(notMeasured(name, goal, limit));
  }

  private static Target atLeast(Report r, String name, String unit, double limit) {
    String goal = "≥ " + Report.num(limit) + " " + unit;
    return r.extra(name)
        .filter(e -> !Double.isNaN(e.value()))
        .map(e -> new Target(name, goal, Report.num(e.value()) + " " + e.unit(), e.value(), limit, verdict(true, e.value() >= limit)))
        .orElse(notMeasured(name, goal, limit));
  }

  private static Target notMeasured(String name, String goal, double limit) {
    return new Target(name, goal, "", Double.NaN, limit, Report.NOT_MEASURED);
  }

  private static String verdict(boolean correct, boolean within) {
    return !correct ? Report.WRONG : within ? Report.MET : Report.MISSED;
  }

  private static String mode(String system) {
    return system.equals(LOCAL) ? "local" : "cluster";
  }
}
