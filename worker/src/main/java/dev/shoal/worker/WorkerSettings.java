package dev.shoal.worker;

import com.typesafe.config.Config;
import java.time.Duration;

/**
 * A worker actor's settings, from {@code shoal.worker} in the configuration.
 *
 * @param slots chunks the worker runs at once
 * @param prefetch chunks it holds beyond its slots, so that it never idles for a round trip
 * @param heartbeatInterval how often it restates its demand, which renews its leases
 */
public record WorkerSettings(int slots, int prefetch, Duration heartbeatInterval) {

  public static WorkerSettings fromConfig(Config config) {
    Config c = config.getConfig("shoal.worker");
    int slots = c.getInt("slots");
    return new WorkerSettings(
        slots <= 0 ? Runtime.getRuntime().availableProcessors() : slots,
        c.getInt("prefetch"),
        c.getDuration("heartbeat-interval"));
  }

  public WorkerSettings withSlots(int n) {
    return new WorkerSettings(n, prefetch, heartbeatInterval);
  }
}
