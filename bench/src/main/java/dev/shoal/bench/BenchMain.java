package dev.shoal.bench;

import dev.shoal.client.LocalPool;
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
 * kill -9}) and the JMH micro benchmarks. Writes {@code latest.md} and {@code latest.json} and prints
 * which targets were met.
 *
 * <p>Caveat: figures from a machine shared with other work are noisy; the report records the load
 * average at the start so a reader can tell.
 */
@Command(name = "bench/run", mixinStandardHelpOptions = true,
    description = "Benchmark Shoal against the Python and plain-Java anchors and check the performance targets.")
public final class BenchMain implements Callable<Integer> {

  enum Section {
    BASELINES, LOCAL, CLUSTER, MICRO;

    static Section parse(String s) {
      return valueOf(s.trim().toUpperCase(java.util.Locale.ROOT));
    }
  }

  @Option(names = "--quick", description = "fewer runs: 1 warm-up and the median of 3 (baselines: 1), a short JMH run, 200 HTTP jobs")
  boolean quick;

  @Option(names = "--only", split = ",", paramLabel = "SECTION",
      description = "run only these: baselines, local, cluster, micro (repeatable or comma-separated; default: all)")
  List<String> only;

  @Option(names = "--anchors", paramLabel = "DIR", description = "the anchors directory (default: $SHOAL_ANCHORS, else ../shared/anchors beside the repository)")
  Path anchorsDir;

  @Option(names = "--out", paramLabel = "DIR", description = "where latest.md and latest.json go (default: bench/results)")
  Path out;

  @Option(names = "--heap-items", paramLabel = "N", defaultValue = "10000000", description = "items of the coordinator-heap job (default: ${DEFAULT-VALUE})")
  long heapItems;

  public static void main(String[] args) {
    org.slf4j.LoggerFactory.getILoggerFactory();
    CommandLine cli = new CommandLine(new BenchMain());
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
    Set<Section> sections = EnumSet.noneOf(Section.class);
    if (only == null || only.isEmpty()) {
      sections = EnumSet.allOf(Section.class);
    } else {
      for (String s : only) {
        try {
          sections.add(Section.parse(s));
        } catch (IllegalArgumentException e) {
          throw new CommandLine.ParameterException(new CommandLine(this), "unknown section '" + s + "': use baselines, local, cluster or micro");
        }
      }
    }
    Path repo = Path.of(System.getProperty("shoal.repo", ".")).toAbsolutePath().normalize();
    Anchors anchors = Anchors.load(anchorsDir != null ? anchorsDir
        : System.getenv("SHOAL_ANCHORS") != null ? Path.of(System.getenv("SHOAL_ANCHORS"))
        : repo.resolve("../shared/anchors").normalize());
    Path results = out != null ? out : repo.resolve("bench/results");
    String command = System.getProperty("shoal.command", "bench/run " + String.join(" ", argsOf()));
    Report report = new Report(OffsetDateTime.now().truncatedTo(ChronoUnit.SECONDS).toString(), command, Machines.describe());
    Progress.say("bench: %s; anchors %s", report.machine, anchors.dir);
    Path work = Files.createTempDirectory("shoal-bench");
    try {
      if (sections.contains(Section.BASELINES)) {
        baselines(report, anchors, work);
      }
      if (sections.contains(Section.LOCAL)) {
        local(report, anchors, work);
      }
      if (sections.contains(Section.CLUSTER)) {
        new ClusterBench(repo, anchors, work, quick, heapItems).run(report);
      }
      if (sections.contains(Section.MICRO)) {
        MicroBench.run(report, quick);
      }
    } finally {
      deleteTree(work);
    }
    report.targets = Targets.check(report);
    report.write(results);
    Progress.say("%nbench: wrote %s and %s", results.resolve("latest.md"), results.resolve("latest.json"));
    Progress.say("bench: targets");
    for (Report.Target t : report.targets) {
      Progress.say("  %-13s %-55s %-28s %s", t.result(), t.name(), t.goal(), t.measured());
    }
    return 0;
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
    ShoalRuns runs = new ShoalRuns(anchors, work);
    try (LocalPool pool = Shoal.local(cores)) {
      for (Workload w : Workload.values()) {
        String workers = cores + " (= cores" + (w.cpu ? ")" : "; a chunk's IO items all run at once)");
        report.rows.add(runs.measure(Targets.LOCAL, pool, workers, w, quick));
      }
    }
  }

  private List<String> argsOf() {
    List<String> a = new java.util.ArrayList<>();
    if (quick) {
      a.add("--quick");
    }
    if (only != null) {
      a.add("--only " + String.join(",", only));
    }
    return a;
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }
}
