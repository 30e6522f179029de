package dev.shoal.bench;

import dev.shoal.bench.jmh.ChunkSerializationBench;
import java.util.Collection;
import java.util.Map;
import java.util.TreeMap;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * Runs the JMH benchmarks of {@code dev.shoal.bench.jmh} in a forked JVM and adds their scores to
 * the report. A short run (a few one-second iterations): enough to compare forms and catch a
 * regression of an order of magnitude, not to resolve a few percent.
 */
final class MicroBench {

  private MicroBench() {}

  static void run(Report report, boolean quick) throws RunnerException {
    Progress.say("%nmicro benchmarks (JMH, %s run)", quick ? "quick" : "short");
    Options options = new OptionsBuilder()
        .include("dev\\.shoal\\.bench\\.jmh\\..*")
        .forks(1)
        .warmupIterations(quick ? 1 : 2)
        .warmupTime(TimeValue.seconds(1))
        .measurementIterations(quick ? 2 : 3)
        .measurementTime(TimeValue.seconds(1))
        .shouldFailOnError(true)
        .build();
    Collection<RunResult> results = new Runner(options).run();
    report.notes.add("A 10,000-item chunk's results serialized with jackson-cbor: " + ChunkSerializationBench.sizes()
        + " (square values as long[]; sha256 values as 64-character hex JSON texts).");
    for (RunResult r : results) {
      var params = r.getParams();
      Map<String, String> p = new TreeMap<>();
      for (String key : params.getParamsKeys()) {
        p.put(key, params.getParam(key));
      }
      var primary = r.getPrimaryResult();
      String name = params.getBenchmark().replace("dev.shoal.bench.jmh.", "");
      report.micro.add(new Report.Micro(name, p.isEmpty() ? "" : p.toString(), primary.getScore(),
          primary.getScoreError(), primary.getScoreUnit()));
    }
  }
}
