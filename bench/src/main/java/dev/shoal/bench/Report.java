package dev.shoal.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Everything one run of the harness measured, written as Markdown (for people) and JSON (for
 * scripts). Ratios compare each Shoal figure with the baselines measured in the same run.
 */
final class Report {

  /** A single figure that is not a workload timing (HTTP round trip, heap, recovery time). */
  record Extra(String name, double value, String unit, String note) {}

  /** A JMH result. */
  record Micro(String benchmark, String params, double score, double error, String unit) {}

  /**
   * A target from the issue and whether this run met it.
   *
   * @param value the figure compared with {@code limit} (a ratio, items/s, s, ms or MB), NaN when not measured
   */
  record Target(String name, String goal, String measured, double value, double limit, String result) {}

  record Machine(int cores, String memory, String jdk, String python, String loadAverage, String os) {}

  static final String MET = "MET";
  static final String MISSED = "MISSED";
  static final String WRONG = "WRONG OUTPUT";
  static final String NOT_MEASURED = "NOT MEASURED";

  final String started;
  final String command;
  final Machine machine;
  final List<Measurement> rows = new ArrayList<>();
  final List<Extra> extras = new ArrayList<>();
  final List<Micro> micro = new ArrayList<>();
  final List<String> notes = new ArrayList<>();
  List<Target> targets = List.of();
  /** The last published run's targets, shown beside this run's; {@link PublishedTargets#NONE} for none. */
  PublishedTargets published = PublishedTargets.NONE;

  Report(String started, String command, Machine machine) {
    this.started = started;
    this.command = command;
    this.machine = machine;
  }

  Optional<Measurement> find(String system, Workload w) {
    return rows.stream().filter(m -> m.system().equals(system) && m.workload().equals(w.label)).findFirst();
  }

  Optional<Extra> extra(String name) {
    return extras.stream().filter(e -> e.name().equals(name)).findFirst();
  }

  void write(Path dir) throws IOException {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("latest.md"), markdown(), StandardCharsets.UTF_8);
    ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    json.writeValue(dir.resolve("latest.json").toFile(), new Json(started, command, machine, targets, rows, extras, micro, notes));
  }

  private record Json(String started, String command, Machine machine, List<Target> targets, List<Measurement> workloads,
      List<Extra> extras, List<Micro> micro, List<String> notes) {}

  String markdown() {
    StringBuilder md = new StringBuilder();
    md.append("# Shoal benchmark results\n\n");
    md.append("Run ").append(started).append(" with `").append(command).append("`.\n\n");
    md.append(String.format(Locale.ROOT, "Machine: %d cores, %s memory, %s, %s, %s; load average at start %s.%n%n",
        machine.cores(), machine.memory(), machine.jdk(), machine.python(), machine.os(), machine.loadAverage()));
    if (!targets.isEmpty()) {
      boolean before = !published.isEmpty();
      md.append("## Targets\n\n| target | goal | measured | result |")
          .append(before ? " " + published.run() + " |" : "").append("\n|---|---|---|---|").append(before ? "---|" : "").append('\n');
      for (Target t : targets) {
        md.append("| ").append(t.name()).append(" | ").append(t.goal()).append(" | ").append(t.measured())
            .append(" | ").append(t.result().equals(MET) ? "met" : "**" + t.result().toLowerCase(Locale.ROOT) + "**")
            .append(" |").append(before ? " " + published.of(t.name()) + " |" : "").append('\n');
      }
      if (before) {
        md.append("\nThe last column is what the run published before this one (`bench/RESULTS.md`) measured.\n");
      }
      md.append('\n');
    }
    if (!rows.isEmpty()) {
      md.append("## Workloads\n\n");
      md.append("Job time: Shoal's is from submitting the job to the last result written to the output file, on warm "
          + "nodes (median of the counted runs after the warm-ups); a baseline's is its in-process `loop_s` (dispatch "
          + "and in-order collection in memory, without start-up and without the file write). `wall s` is a "
          + "baseline's whole-process time. A ratio is Shoal's job time divided by that baseline's job time on the "
          + "same workload in this run: below 1 means Shoal was faster. `output` is the check of every output file "
          + "against `expected.sha256`.\n\n");
      md.append("| workload | system | workers | job s (median) | min–max | items/s | wall s | runs | output "
          + "| × Java fixed | × Java seq | × Py Pool.map | × Py threads |\n");
      md.append("|---|---|---|---:|---:|---:|---:|---|---|---:|---:|---:|---:|\n");
      for (Workload w : Workload.values()) {
        for (Measurement m : rows) {
          if (m.workload().equals(w.label)) {
            md.append(row(m, w));
          }
        }
      }
      md.append('\n');
    }
    if (!extras.isEmpty()) {
      md.append("## Cluster figures\n\n| measurement | value | how |\n|---|---:|---|\n");
      for (Extra e : extras) {
        md.append(String.format(Locale.ROOT, "| %s | %s %s | %s |%n", e.name(), num(e.value()), e.unit(), e.note()));
      }
      md.append('\n');
    }
    if (!micro.isEmpty()) {
      md.append("## Micro benchmarks (JMH)\n\n| benchmark | params | score | ± | unit |\n|---|---|---:|---:|---|\n");
      for (Micro m : micro) {
        md.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s |%n", m.benchmark(), m.params(), num(m.score()),
            num(m.error()), m.unit()));
      }
      md.append('\n');
    }
    if (!notes.isEmpty()) {
      md.append("## Notes\n\n");
      notes.forEach(n -> md.append("- ").append(n).append('\n'));
    }
    return md.toString();
  }

  private String row(Measurement m, Workload w) {
    String runs = m.seconds().size() + (m.warmups() > 0 ? "+" + m.warmups() + "w" : "");
    return String.format(Locale.ROOT, "| %s | %s | %s | %.3f | %.3f–%.3f | %s | %s | %s | %s | %s | %s | %s | %s |%n",
        w.label, m.system(), m.workers(), m.medianS(), m.minS(), m.maxS(), rate(m.itemsPerSecond()),
        Double.isNaN(m.wallMedianS()) ? "" : String.format(Locale.ROOT, "%.3f", m.wallMedianS()), runs,
        m.digestOk() ? "ok" : "**WRONG**" + (m.itemErrors() > 0 ? " (" + m.itemErrors() + " item errors)" : ""),
        ratio(m, Baselines.Kind.JAVA_FIXED, w), ratio(m, Baselines.Kind.JAVA_SEQ, w),
        ratio(m, Baselines.Kind.PY_POOL, w), ratio(m, Baselines.Kind.PY_THREADS, w));
  }

  private String ratio(Measurement m, Baselines.Kind kind, Workload w) {
    if (!m.shoal()) {
      return "";
    }
    return find(kind.label, w).map(b -> String.format(Locale.ROOT, "%.2f", m.medianS() / b.medianS())).orElse("");
  }

  static String rate(double perSecond) {
    if (perSecond >= 1e6) {
      return String.format(Locale.ROOT, "%.2f M", perSecond / 1e6);
    }
    if (perSecond >= 1e3) {
      return String.format(Locale.ROOT, "%.1f k", perSecond / 1e3);
    }
    return String.format(Locale.ROOT, "%.1f", perSecond);
  }

  static String num(double v) {
    if (Double.isNaN(v)) {
      return "";
    }
    return Math.abs(v) >= 100 ? String.format(Locale.ROOT, "%.0f", v)
        : Math.abs(v) >= 1 ? String.format(Locale.ROOT, "%.2f", v) : String.format(Locale.ROOT, "%.4f", v);
  }
}
