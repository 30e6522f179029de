package dev.shoal.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Runs the anchors' baselines, one fresh process per run: Python's {@code multiprocessing.Pool.map}
 * and {@code ThreadPoolExecutor}, plain Java's sequential loop and fixed thread pool. A baseline's
 * job time is the in-process {@code loop_s} it prints on stderr (dispatching every item and
 * collecting every result in order, without start-up and without the file write); its
 * whole-process wall time is recorded beside it.
 */
final class Baselines {

  enum Kind {
    PY_POOL("Python Pool.map", "pool"),
    PY_THREADS("Python threads", "threads"),
    JAVA_SEQ("Java seq", "seq"),
    JAVA_FIXED("Java fixed pool", "fixed");

    final String label;
    final String mode;

    Kind(String label, String mode) {
      this.label = label;
      this.mode = mode;
    }

    boolean python() {
      return this == PY_POOL || this == PY_THREADS;
    }
  }

  /** One baseline process: its in-process loop time, wall time, workers and whether its output was right. */
  record Run(double loopS, double wallS, int workers, boolean digestOk) {}

  /** Appended to a baseline's name for its warm-JVM measurement. */
  static final String WARM = " (warm JVM)";

  private static final Pattern LOOP = Pattern.compile("loop_s=([0-9.]+)");
  private static final Pattern WORKERS = Pattern.compile("workers=([0-9]+)");

  private final Anchors anchors;
  private final Path work;
  private final Path classes;

  private Baselines(Anchors anchors, Path work, Path classes) {
    this.anchors = anchors;
    this.work = work;
    this.classes = classes;
  }

  /** Compiles JavaAnchors.java once into the work directory (as the anchors' README does). */
  static Baselines prepare(Anchors anchors, Path work) throws IOException {
    Path classes = Files.createDirectories(work.resolve("anchor-classes"));
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    if (javac == null) {
      throw new IllegalStateException("this JVM has no Java compiler; run the harness on a JDK");
    }
    int rc = javac.run(null, null, null, "-d", classes.toString(), anchors.dir.resolve("JavaAnchors.java").toString());
    if (rc != 0) {
      throw new IllegalStateException("javac JavaAnchors.java failed (exit " + rc + ")");
    }
    return new Baselines(anchors, work, classes);
  }

  Measurement measure(Kind kind, Workload w, boolean quick) throws IOException, InterruptedException {
    Runs runs = Runs.baseline(w, quick);
    List<Double> loops = new ArrayList<>();
    List<Double> walls = new ArrayList<>();
    boolean ok = true;
    int workers = 0;
    int warmups = 0;
    for (int i = 0; i < runs.warmups() + runs.counted() && loops.size() < runs.counted(); i++) {
      Run r = runOnce(kind, w, Map.of());
      ok &= r.digestOk();
      workers = r.workers();
      if (i < runs.warmups() && r.wallS() < Runs.SLOW_SECONDS) {
        warmups++;
        continue;
      }
      loops.add(r.loopS());
      walls.add(r.wallS());
      if (r.wallS() >= Runs.SLOW_SECONDS) {
        break;
      }
    }
    Progress.say("  %-16s %-9s loop_s %.3f (wall %.3f) workers %d%s", kind.label, w.label, Stats.median(loops),
        Stats.median(walls), workers, ok ? "" : "  WRONG OUTPUT");
    return Measurement.of(kind.label, false, w, String.valueOf(workers), loops, walls, warmups, ok, 0, null);
  }

  /**
   * The plain-Java fixed pool warm: {@code ANCHOR_REPEAT=k} runs the loop k times in one JVM; the
   * median of all but the first is what a warm JVM does, the fair figure beside Shoal's warm pool.
   */
  Measurement measureWarm(Kind kind, Workload w, int repeat) throws IOException, InterruptedException {
    Path out = work.resolve(kind.mode + "-warm-" + w.anchor + ".txt");
    Process p = start(kind, w, out, Map.of("ANCHOR_REPEAT", String.valueOf(repeat)));
    String err = finish(p, w);
    List<Double> loops = new ArrayList<>();
    Matcher m = LOOP.matcher(err);
    while (m.find()) {
      loops.add(Double.parseDouble(m.group(1)));
    }
    if (loops.size() < 2) {
      throw new IllegalStateException(kind.label + " " + w.anchor + " printed no timings: " + err);
    }
    boolean ok = anchors.matches(w, out);
    List<Double> warm = loops.subList(1, loops.size());
    Progress.say("  %-16s %-9s warm loop_s %.3f (of %d in one JVM)", kind.label, w.label, Stats.median(warm), repeat);
    return Measurement.of(kind.label + WARM, false, w, workersOf(err), warm, List.of(), 1, ok, 0,
        "ANCHOR_REPEAT=" + repeat + " in one JVM, first loop not counted");
  }

  private Run runOnce(Kind kind, Workload w, Map<String, String> env) throws IOException, InterruptedException {
    Path out = work.resolve(kind.mode + "-" + w.anchor + ".txt");
    Files.deleteIfExists(out);
    long t0 = System.nanoTime();
    Process p = start(kind, w, out, env);
    String err = finish(p, w);
    double wall = (System.nanoTime() - t0) / 1e9;
    Matcher m = LOOP.matcher(err);
    if (!m.find()) {
      throw new IllegalStateException(kind.label + " " + w.anchor + " printed no loop_s: " + err);
    }
    return new Run(Double.parseDouble(m.group(1)), wall, Integer.parseInt(workersOf(err)), anchors.matches(w, out));
  }

  private Process start(Kind kind, Workload w, Path out, Map<String, String> env) throws IOException {
    List<String> cmd = kind.python()
        ? List.of("python3", anchors.dir.resolve("py_anchors.py").toString(), w.anchor, kind.mode, out.toString())
        : List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", classes.toString(),
            "JavaAnchors", w.anchor, kind.mode, out.toString());
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(anchors.dir.toFile())
        .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    pb.environment().putAll(env);
    return pb.start();
  }

  private static String finish(Process p, Workload w) throws IOException, InterruptedException {
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(10, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new IllegalStateException("baseline " + w.anchor + " did not finish");
    }
    if (p.exitValue() != 0) {
      throw new IllegalStateException("baseline " + w.anchor + " exited with " + p.exitValue() + ": " + err);
    }
    return err;
  }

  private static String workersOf(String err) {
    Matcher m = WORKERS.matcher(err);
    return m.find() ? m.group(1) : "?";
  }
}
