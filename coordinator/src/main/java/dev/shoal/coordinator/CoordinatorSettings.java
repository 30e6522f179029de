package dev.shoal.coordinator;

import com.typesafe.config.Config;
import dev.shoal.coordinator.job.JobLimits;
import dev.shoal.coordinator.metrics.ShoalMetrics;
import java.time.Duration;

/**
 * The coordinator role's settings, from {@code shoal.coordinator} in the configuration. The
 * automatic chunk size {@code maxChunk} never exceeds {@code limits.maxChunkItems()}; {@code
 * scheduling} is how jobs of one priority share the slots (fifo unless set). {@code metrics} is
 * where the coordinator and its jobs count what they do: the one instance that the node's HTTP API
 * serves at {@code /metrics} (each settings object made without one has its own).
 */
public record CoordinatorSettings(
    int maxChunk,
    int maxIoChunk,
    int initialChunk,
    Duration targetChunkTime,
    Duration minChunkTime,
    int window,
    Duration leaseTimeout,
    int poisonThreshold,
    int history,
    Duration tick,
    Duration progressInterval,
    JobLimits limits,
    SchedulingPolicy scheduling,
    ShoalMetrics metrics) {

  public CoordinatorSettings {
    scheduling = scheduling == null ? SchedulingPolicy.FIFO : scheduling;
    metrics = metrics == null ? new ShoalMetrics() : metrics;
    maxChunk = Math.min(maxChunk, limits.maxChunkItems());
    maxIoChunk = Math.min(maxIoChunk, limits.maxChunkItems());
  }

  /** Settings with first-in-first-out scheduling and metrics of their own. */
  public CoordinatorSettings(int maxChunk, int maxIoChunk, int initialChunk, Duration targetChunkTime,
      Duration minChunkTime, int window, Duration leaseTimeout, int poisonThreshold, int history, Duration tick,
      Duration progressInterval, JobLimits limits) {
    this(maxChunk, maxIoChunk, initialChunk, targetChunkTime, minChunkTime, window, leaseTimeout, poisonThreshold,
        history, tick, progressInterval, limits, SchedulingPolicy.FIFO, new ShoalMetrics());
  }

  /** Settings with the default {@link JobLimits}, first-in-first-out scheduling and metrics of their own. */
  public CoordinatorSettings(int maxChunk, int maxIoChunk, int initialChunk, Duration targetChunkTime,
      Duration minChunkTime, int window, Duration leaseTimeout, int poisonThreshold, int history, Duration tick,
      Duration progressInterval) {
    this(maxChunk, maxIoChunk, initialChunk, targetChunkTime, minChunkTime, window, leaseTimeout, poisonThreshold,
        history, tick, progressInterval, JobLimits.defaults());
  }

  public CoordinatorSettings withScheduling(SchedulingPolicy policy) {
    return new CoordinatorSettings(maxChunk, maxIoChunk, initialChunk, targetChunkTime, minChunkTime, window,
        leaseTimeout, poisonThreshold, history, tick, progressInterval, limits, policy, metrics);
  }

  public static CoordinatorSettings fromConfig(Config config) {
    Config c = config.getConfig("shoal.coordinator");
    return new CoordinatorSettings(
        c.getInt("max-chunk"),
        c.getInt("max-io-chunk"),
        c.getInt("initial-chunk"),
        c.getDuration("target-chunk-time"),
        c.getDuration("min-chunk-time"),
        c.getInt("window"),
        c.getDuration("lease-timeout"),
        c.getInt("poison-threshold"),
        c.getInt("history"),
        c.getDuration("tick"),
        c.getDuration("progress-interval"),
        JobLimits.fromConfig(config),
        SchedulingPolicy.parse(c.getString("scheduling")),
        new ShoalMetrics());
  }
}
