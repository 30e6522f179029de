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
 *
 * <p>A job holds at most {@code window} chunks (handed out, waiting or unwritten), or, when its
 * chunks are small, as many as hold {@code windowItems} items in all: memory is spent on items, and
 * a window of 64 one-item chunks left the workers idle while results waited to be written. 0 (the
 * shorter constructors) keeps the window at {@code window} chunks.
 */
public record CoordinatorSettings(
    int maxChunk,
    int maxIoChunk,
    int initialChunk,
    Duration targetChunkTime,
    Duration minChunkTime,
    int window,
    int windowItems,
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
    this(maxChunk, maxIoChunk, initialChunk, targetChunkTime, minChunkTime, window, 0, leaseTimeout, poisonThreshold,
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
        windowItems, leaseTimeout, poisonThreshold, history, tick, progressInterval, limits, policy, metrics);
  }

  public CoordinatorSettings withWindowItems(int items) {
    return new CoordinatorSettings(maxChunk, maxIoChunk, initialChunk, targetChunkTime, minChunkTime, window,
        items, leaseTimeout, poisonThreshold, history, tick, progressInterval, limits, scheduling, metrics);
  }

  /** The chunks a job may hold at once while it cuts chunks of {@code chunkItems} items. */
  public int window(int chunkItems) {
    return Math.max(window, windowItems / Math.max(1, chunkItems));
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
        c.getInt("window-items"),
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
