package dev.shoal.bench;

import dev.shoal.client.Items;
import dev.shoal.client.JobHandle;
import dev.shoal.client.Pool;
import dev.shoal.client.ResultChunk;
import dev.shoal.api.JobStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Times Shoal jobs on a pool that is already up (warm nodes): job time is from the submission to the
 * last result written to the output file, so node start-up is not in it; every output is checked
 * against the anchors' digest.
 */
final class ShoalRuns {

  /** One job: its time, its state and whether its output file was right. */
  record Run(double seconds, JobStatus status, long itemErrors, boolean digestOk) {}

  private final Anchors anchors;
  private final Path work;
  private final int warmups;

  /** @param warmups uncounted runs before each workload's counted ones, or -1 for the default */
  ShoalRuns(Anchors anchors, Path work, int warmups) {
    this.anchors = anchors;
    this.work = work;
    this.warmups = warmups;
  }

  Measurement measure(String system, Pool pool, String workers, Workload w, boolean quick) throws IOException {
    Runs runs = Runs.shoal(w, quick, warmups);
    List<Double> times = new ArrayList<>();
    boolean ok = true;
    long errors = 0;
    for (int i = 0; i < runs.warmups() + runs.counted(); i++) {
      Run r = once(pool, w, work.resolve("shoal-" + w.anchor + ".txt"));
      ok &= r.digestOk();
      errors = Math.max(errors, r.itemErrors());
      if (i >= runs.warmups()) {
        times.add(r.seconds());
      }
    }
    Measurement m = Measurement.of(system, true, w, workers, times, List.of(), runs.warmups(), ok, errors, null);
    Progress.say("  %-16s %-9s job %.3f s (min %.3f max %.3f) %,.0f items/s%s", system, w.label, m.medianS(),
        m.minS(), m.maxS(), m.itemsPerSecond(), ok ? "" : "  WRONG OUTPUT");
    return m;
  }

  Run once(Pool pool, Workload w, Path out) throws IOException {
    Files.deleteIfExists(out);
    long t0 = System.nanoTime();
    JobStatus status;
    long errors;
    try (JobHandle job = pool.submit(w.request(), Items.range(0, w.items));
        AnchorWriter writer = new AnchorWriter(out)) {
      for (Iterator<ResultChunk> it = job.chunks(); it.hasNext(); ) {
        writer.write(it.next().results());
      }
      errors = writer.errors();
      status = job.await();
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    return new Run(seconds, status, errors, anchors.matches(w, out));
  }
}
