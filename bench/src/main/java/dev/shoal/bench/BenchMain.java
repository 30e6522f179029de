package dev.shoal.bench;

import dev.shoal.local.LocalPool;
import dev.shoal.client.Shoal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The benchmark harness behind {@code bench/run}: the anchors' four workloads through Shoal (local
 * mode in this JVM, cluster mode on JVMs it starts) and through the Python and plain-Java baselines
 * in the same run, the cluster figures (HTTP round trip, coordinator heap, recovery after {@code
 * kill -9}), the cost of mutual TLS between nodes and of the journal (two clusters taking turns
 * each, {@link SideBySideBench}) and the JMH micro benchmarks. Writes {@code latest.md} and {@code latest.json} and prints
 * which targets were met.
 *
 * <p>Caveat: figures from a machine shared with other work are noisy; the report records the load
 * average at the start so a reader can tell.
 */
@Command(name = "bench/run", mixinStandardHelpOptions = true,
    description = "Benchmark Shoal against the Python and plain-Java anchors and check the performance targets.")
public final class BenchMain implements Callable<Integer> {

  enum Section {
    BASELINES, LOCAL, CLUSTER, TLS, JOURNAL, CEILING, MICRO
  }

  @Option(names = "--quick", description = "fewer runs: 1 warm-up and the median of 3 (baselines: 1), a short JMH run, 200 HTTP jobs after 500 warm-ups")
  boolean quick;

  @Option(names = "--only", split = ",", paramLabel = "SECTION",
      description = "run only these: baselines, local, cluster, tls, journal, ceiling, micro (repeatable or comma-separated; default: all)")
  List<Section> only;

  @Option(names = "--warmups", paramLabel = "N", defaultValue = "-1",
      description = "uncounted Shoal runs before each workload's counted ones (default: 2, 1 with --quick; sleep always 1); "
          + "a fresh cluster's JIT takes about 20 square jobs to settle")
  int warmups;

  @Option(names = "--anchors", paramLabel = "DIR", description = "the anchors directory (default: $SHOAL_ANCHORS, else ../shared/anchors beside the repository)")
  Path anchorsDir;

  @Option(names = "--out", paramLabel = "DIR", description = "where latest.md and latest.json go (default: bench/results)")
  Path out;

  @Option(names = "--publish", description = "also write the report to bench/RESULTS.md (the figures kept in the repository)")
  boolean publish;

  @Option(names = "--coordinator-jvm-option", paramLabel = "OPTION",
      description = "a JVM option for the cluster's coordinator, e.g. -Xmx256m to check the heap target under a hard cap (repeatable)")
  List<String> coordinatorJvmOptions = new java.util.ArrayList<>();

  @Option(names = "--heap-items", paramLabel = "N", defaultValue = "10000000", description = "items of the coordinator-heap job (default: ${DEFAULT-VALUE})")
  long heapItems;

  public static void main(String[] args) {
    org.slf4j.LoggerFactory.getILoggerFactory();
    CommandLine cli = new CommandLine(new BenchMain()).setCaseInsensitiveEnumValuesAllowed(true);
    cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
      System.err.println("bench: " + (ex.getMessage() == null ? ex.toString() : ex.getMessage()));
      if (System.getenv("SHOAL_DEBUG") != null) {
        ex.printStackTrace();
      }
      return 1;
    });
    System.exit(cli.execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Set<Section> sections = only == null || only.isEmpty() ? EnumSet.allOf(Section.class) : EnumSet.copyOf(only);
    Path repo = Path.of(System.getProperty("shoal.repo", ".")).toAbsolutePath().normalize();
    Anchors anchors = Anchors.load(anchorsDir != null ? anchorsDir
        : System.getenv("SHOAL_ANCHORS") != null ? Path.of(System.getenv("SHOAL_ANCHORS"))
        : repo.resolve("../shared/anchors").normalize());
    Path results = out != null ? out : repo.resolve("bench/results");
    String command = System.getProperty("shoal.command", "dev.shoal.bench.BenchMain");
    Report report = new Report(OffsetDateTime.now().truncatedTo(ChronoUnit.SECONDS).toString(), command, Machines.describe());
    Progress.say("bench: %d cores, %s, %s, %s; load average %s; anchors %s", report.machine.cores(), report.machine.memory(),
        report.machine.jdk(), report.machine.python(), report.machine.loadAverage(), anchors.dir);
    double load = Machines.loadAverage();
    if (load > report.machine.cores() / 2.0) {
      report.notes.add(String.format(java.util.Locale.ROOT, "The machine was busy when the run started (load average %.2f on %d "
          + "cores): other work competed for the cores, so these figures are noisy.", load, report.machine.cores()));
    }
    Path work = Files.createTempDirectory("shoal-bench");
    boolean ok;
    try {
      ok = section(report, sections, Section.BASELINES, () -> baselines(report, anchors, work));
      ok &= section(report, sections, Section.LOCAL, () -> local(report, anchors, work));
      ok &= section(report, sections, Section.CLUSTER, () -> new ClusterBench(repo, anchors, work, results.resolve("cluster-logs"),
          quick, warmups, heapItems, coordinatorJvmOptions).run(report));
      for (SideBySideBench.Comparison c : List.of(SideBySideBench.TLS_COST, SideBySideBench.JOURNAL_COST)) {
        Section s = c == SideBySideBench.TLS_COST ? Section.TLS : Section.JOURNAL;
        ok &= section(report, sections, s, () -> new SideBySideBench(c, repo, anchors, work, results.resolve(c.dir()),
            quick, warmups).run(report));
      }
      ok &= section(report, sections, Section.CEILING, () -> new CeilingBench(repo, results.resolve("ceiling-logs"), quick,
          publish ? repo.resolve("bench/ceiling.png") : null).run(report));
      ok &= section(report, sections, Section.MICRO, () -> MicroBench.run(report, quick));
    } finally {
      deleteTree(work);
    }
    report.targets = Targets.check(report);
    report.published = PublishedTargets.read(repo.resolve("bench/RESULTS.md"));
    report.write(results);
    if (publish) {
      Files.writeString(repo.resolve("bench/RESULTS.md"), report.markdown(), java.nio.charset.StandardCharsets.UTF_8);
      Progress.say("bench: wrote %s", repo.resolve("bench/RESULTS.md"));
    }
    Progress.say("%nbench: wrote %s and %s", results.resolve("latest.md"), results.resolve("latest.json"));
    Progress.say("bench: targets");
    for (Report.Target t : report.targets) {
      String then = report.published.of(t.name());
      Progress.say("  %-13s %-55s %-28s %s%s", t.result(), t.name(), t.goal(), t.measured(),
          then.isEmpty() ? "" : "   (" + report.published.run() + ": " + then + ")");
    }
    return ok ? 0 : 1;
  }

  private interface Step {
    void run() throws Exception;
  }

  /** Runs one section if it was asked for; a failure is reported and the other sections still run. */
  private static boolean section(Report report, Set<Section> sections, Section section, Step step) {
    if (!sections.contains(section)) {
      return true;
    }
    try {
      step.run();
      return true;
    } catch (Exception e) {
      String why = section.name().toLowerCase(java.util.Locale.ROOT) + " section failed: "
          + (e.getMessage() == null ? e.toString() : e.getMessage());
      Progress.say("bench: %s", why);
      report.notes.add(why);
      if (System.getenv("SHOAL_DEBUG") != null) {
        e.printStackTrace();
      }
      return false;
    }
  }

  private void baselines(Report report, Anchors anchors, Path work) throws IOException, InterruptedException {
    Progress.say("%nbaselines (one process per run)");
    Baselines b = Baselines.prepare(anchors, work);
    for (Workload w : Workload.values()) {
      for (Baselines.Kind k : Baselines.Kind.values()) {
        report.rows.add(b.measure(k, w, quick));
      }
      if (w.cpu) {
        report.rows.add(b.measureWarm(Baselines.Kind.JAVA_FIXED, w, quick ? 4 : 8));
      }
    }
  }

  private void local(Report report, Anchors anchors, Path work) throws IOException {
    int cores = Runtime.getRuntime().availableProcessors();
    Progress.say("%nShoal local mode: Shoal.local(%d) in this JVM, one warm pool for every workload", cores);
    ShoalRuns runs = new ShoalRuns(anchors, work, warmups);
    try (LocalPool pool = LocalPool.start(LocalPool.Options.of(cores))) {
      for (Workload w : Workload.values()) {
        String workers = cores + " (= cores" + (w.cpu ? ")" : "; a chunk's IO items all run at once)");
        report.rows.add(runs.measure(Targets.LOCAL, pool, workers, w, quick));
      }
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }
}
