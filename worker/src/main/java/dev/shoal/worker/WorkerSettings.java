package dev.shoal.worker;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;

/**
 * A worker actor's settings, from {@code shoal.worker} in the configuration.
 *
 * @param slots chunks the worker runs at once
 * @param prefetch chunks it holds beyond its slots, so that it never idles for a round trip
 * @param heartbeatInterval how often it restates its demand, which renews its leases
 * @param maxChunkItems the most items it runs in one chunk; it refuses a larger chunk unstarted
 * @param maxPrefetch the most chunks it holds beyond its slots when its chunks are short (see {@link Prefetch})
 * @param prefetchCover how long the chunks it holds beyond its slots should keep them busy
 */
public record WorkerSettings(int slots, int prefetch, Duration heartbeatInterval, int maxChunkItems, int maxPrefetch,
    Duration prefetchCover) {

  /** Settings with the default {@code max-chunk-items} and a fixed prefetch. */
  public WorkerSettings(int slots, int prefetch, Duration heartbeatInterval) {
    this(slots, prefetch, heartbeatInterval, ConfigFactory.defaultReference().getInt("shoal.worker.max-chunk-items"),
        prefetch, Duration.ZERO);
  }

  /** The rule that sizes the prefetch, fresh for one worker. */
  Prefetch newPrefetch() {
    return new Prefetch(prefetch, maxPrefetch, prefetchCover.toNanos());
  }

  public static WorkerSettings fromConfig(Config config) {
    Config c = config.getConfig("shoal.worker");
    int slots = c.getInt("slots");
    return new WorkerSettings(
        slots <= 0 ? Runtime.getRuntime().availableProcessors() : slots,
        c.getInt("prefetch"),
        c.getDuration("heartbeat-interval"),
        c.getInt("max-chunk-items"),
        c.getInt("max-prefetch"),
        c.getDuration("prefetch-cover"));
  }

  public WorkerSettings withSlots(int n) {
    return new WorkerSettings(n, prefetch, heartbeatInterval, maxChunkItems, maxPrefetch, prefetchCover);
  }

  public WorkerSettings withMaxChunkItems(int n) {
    return new WorkerSettings(slots, prefetch, heartbeatInterval, n, maxPrefetch, prefetchCover);
  }
}
