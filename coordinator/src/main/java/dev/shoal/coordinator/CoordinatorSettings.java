package dev.shoal.coordinator;

import com.typesafe.config.Config;
import dev.shoal.coordinator.job.JobLimits;
import java.time.Duration;

/**
 * The coordinator role's settings, from {@code shoal.coordinator} in the configuration. The
 * automatic chunk size {@code maxChunk} never exceeds {@code limits.maxChunkItems()}.
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
    JobLimits limits) {

  public CoordinatorSettings {
    maxChunk = Math.min(maxChunk, limits.maxChunkItems());
    maxIoChunk = Math.min(maxIoChunk, limits.maxChunkItems());
  }

  /** Settings with the default {@link JobLimits}. */
  public CoordinatorSettings(int maxChunk, int maxIoChunk, int initialChunk, Duration targetChunkTime,
      Duration minChunkTime, int window, Duration leaseTimeout, int poisonThreshold, int history, Duration tick,
      Duration progressInterval) {
    this(maxChunk, maxIoChunk, initialChunk, targetChunkTime, minChunkTime, window, leaseTimeout, poisonThreshold,
        history, tick, progressInterval, JobLimits.defaults());
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
        JobLimits.fromConfig(config));
  }
}
