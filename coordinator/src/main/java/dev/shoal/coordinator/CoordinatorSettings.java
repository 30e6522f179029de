package dev.shoal.coordinator;

import com.typesafe.config.Config;
import dev.shoal.coordinator.job.JobLimits;
import java.time.Duration;

/**
 * The coordinator role's settings, from {@code shoal.coordinator} in the configuration. The
 * automatic chunk size {@code maxChunk} never exceeds {@code limits.maxChunkItems()}; {@code
 * scheduling} is how jobs of one priority share the slots (fifo unless set).
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
    SchedulingPolicy scheduling) {

  public CoordinatorSettings {
    scheduling = scheduling == null ? SchedulingPolicy.FIFO : scheduling;
    maxChunk = Math.min(maxChunk, limits.maxChunkItems());
    maxIoChunk = Math.min(maxIoChunk, limits.maxChunkItems());
  }

  /** Settings with first-in-first-out scheduling. */
  public CoordinatorSettings(int maxChunk, int maxIoChunk, int initialChunk, Duration targetChunkTime,
      Duration minChunkTime, int window, Duration leaseTimeout, int poisonThreshold, int history, Duration tick,
      Duration progressInterval, JobLimits limits) {
    this(maxChunk, maxIoChunk, initialChunk, targetChunkTime, minChunkTime, window, leaseTimeout, poisonThreshold,
        history, tick, progressInterval, limits, SchedulingPolicy.FIFO);
  }

  /** Settings with the default {@link JobLimits} and first-in-first-out scheduling. */
  public CoordinatorSettings(int maxChunk, int maxIoChunk, int initialChunk, Duration targetChunkTime,
      Duration minChunkTime, int window, Duration leaseTimeout, int poisonThreshold, int history, Duration tick,
      Duration progressInterval) {
    this(maxChunk, maxIoChunk, initialChunk, targetChunkTime, minChunkTime, window, leaseTimeout, poisonThreshold,
        history, tick, progressInterval, JobLimits.defaults(), SchedulingPolicy.FIFO);
  }

  public CoordinatorSettings withScheduling(SchedulingPolicy policy) {
    return new CoordinatorSettings(maxChunk, maxIoChunk, initialChunk, targetChunkTime, minChunkTime, window,
        leaseTimeout, poisonThreshold, history, tick, progressInterval, limits, policy);
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
        SchedulingPolicy.parse(c.getString("scheduling")));
  }
}
