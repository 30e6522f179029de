package dev.shoal.coordinator.job;

import dev.shoal.api.JobStatus;
import dev.shoal.api.ChunkResults;
import dev.shoal.api.ItemError;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a job keeps of its own run for {@link JobDetail}: items done over time, the items each
 * worker node ran, its first errors, the chunk size it cuts, re-sent chunks and lost workers.
 *
 * <p>Guarantees: bounded whatever the job's size or length: at most {@link #MAX_SAMPLES} samples
 * (when full, every other one goes and samples are kept half as often, so the series always spans
 * the whole run at an even spacing), {@link #MAX_ERRORS} errors, {@link #MAX_LOST_NAMES} lost node
 * names, and one counter per worker node.
 *
 * <p>Caveats: not thread-safe: the job's actor owns it. Samples are taken when the job reports its
 * progress, so the series is only as fine as {@code progress-interval}.
 */
public final class JobTrace {

  public static final int MAX_SAMPLES = 300;
  public static final int MAX_ERRORS = 20;
  public static final int MAX_LOST_NAMES = 20;

  private final int maxSamples;
  private final long[] at;
  private final long[] done;
  private int samples;
  /** Samples closer than this to the previous one are skipped; doubles each time the series is thinned. */
  private long spacingMillis;
  private final Map<String, Long> byNode = new TreeMap<>();
  private final List<JobDetail.ItemFailure> errors = new ArrayList<>();
  private final List<String> lostNames = new ArrayList<>();
  private int lost;
  private long resent;
  private int chunkSize;

  public JobTrace() {
    this(MAX_SAMPLES);
  }

  /** A trace keeping at most {@code maxSamples} samples (at least 2). */
  JobTrace(int maxSamples) {
    if (maxSamples < 2) {
      throw new IllegalArgumentException("a series needs room for 2 samples, got " + maxSamples);
    }
    this.maxSamples = maxSamples;
    this.at = new long[maxSamples];
    this.done = new long[maxSamples];
  }

  /** {@code items} had a result or an error at {@code nowMillis}. */
  public void sample(long nowMillis, long items) {
    if (samples > 0 && nowMillis - at[samples - 1] < spacingMillis) {
      return;
    }
    if (samples == maxSamples) {
      thin();
      if (nowMillis - at[samples - 1] < spacingMillis) {
        return;
      }
    }
    at[samples] = nowMillis;
    done[samples] = items;
    samples++;
  }

  /** Keeps every other sample (the first stays) and the spacing they now have. */
  private void thin() {
    int kept = 0;
    for (int i = 0; i < samples; i += 2) {
      at[kept] = at[i];
      done[kept] = done[i];
      kept++;
    }
    samples = kept;
    spacingMillis = Math.max(1, (at[samples - 1] - at[0]) / (samples - 1));
  }

  /** The job now cuts chunks of {@code items}. */
  public void cutting(int items) {
    chunkSize = items;
  }

  /** A worker on {@code node} answered a chunk of {@code items}. */
  public void ran(String node, int items) {
    byNode.merge(node, (long) items, Long::sum);
  }

  /** The results of the items from {@code firstIndex} on are final: their errors are kept while there is room. */
  public void finished(long firstIndex, ChunkResults results) {
    for (ItemError e : results.errors()) {
      if (errors.size() >= MAX_ERRORS) {
        return;
      }
      errors.add(new JobDetail.ItemFailure(firstIndex + e.offset(), e.type(), e.message()));
    }
  }

  /** A chunk goes out again: its worker was lost or handed it back. */
  public void resent() {
    resent++;
  }

  /** The worker on {@code node} was lost while it held chunks of this job. */
  public void workerLost(String node) {
    lost++;
    if (lostNames.size() < MAX_LOST_NAMES) {
      lostNames.add(node);
    }
  }

  /** The detail for {@code status}, with the present ({@code nowMillis}, {@code status.done()}) as the last sample. */
  public JobDetail detail(JobStatus status, long nowMillis) {
    List<JobDetail.Sample> series = new ArrayList<>(samples + 1);
    for (int i = 0; i < samples; i++) {
      series.add(new JobDetail.Sample(at[i], done[i]));
    }
    if (samples == 0 || nowMillis > at[samples - 1]) {
      series.add(new JobDetail.Sample(nowMillis, status.done()));
    }
    List<JobDetail.WorkerShare> shares = byNode.entrySet().stream()
        .map(e -> new JobDetail.WorkerShare(e.getKey(), e.getValue()))
        .toList();
    return new JobDetail(status, chunkSize, resent, lost, List.copyOf(lostNames), series, shares, List.copyOf(errors));
  }
}
