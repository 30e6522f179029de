package dev.shoal.coordinator;

import com.typesafe.config.Config;
import java.time.Duration;

/** The coordinator role's settings, from {@code shoal.coordinator} in the configuration. */
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
    Duration progressInterval) {

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
        c.getDuration("progress-interval"));
  }
}
