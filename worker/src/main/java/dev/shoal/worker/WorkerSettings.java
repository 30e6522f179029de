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
 * @param stallPatience how long all its slots may stay busy, with chunks waiting behind them and
 *     none finishing, before it hands those chunks back (at least; see {@link Prefetch})
 */
public record WorkerSettings(int slots, int prefetch, Duration heartbeatInterval, int maxChunkItems, int maxPrefetch,
    Duration prefetchCover, Duration stallPatience) {

  /** Settings with the default {@code stall-patience}. */
  public WorkerSettings(int slots, int prefetch, Duration heartbeatInterval, int maxChunkItems, int maxPrefetch,
      Duration prefetchCover) {
    this(slots, prefetch, heartbeatInterval, maxChunkItems, maxPrefetch, prefetchCover,
        ConfigFactory.defaultReference().getDuration("shoal.worker.stall-patience"));
  }

  /** Settings with the default {@code max-chunk-items} and {@code stall-patience}, and a fixed prefetch. */
  public WorkerSettings(int slots, int prefetch, Duration heartbeatInterval) {
    this(slots, prefetch, heartbeatInterval, ConfigFactory.defaultReference().getInt("shoal.worker.max-chunk-items"),
        prefetch, Duration.ZERO);
  }

  /** The rule that sizes the prefetch, fresh for one worker. */
  Prefetch newPrefetch() {
    return new Prefetch(prefetch, maxPrefetch, prefetchCover.toNanos(), stallPatience.toNanos());
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
        c.getDuration("prefetch-cover"),
        c.getDuration("stall-patience"));
  }

  public WorkerSettings withSlots(int n) {
    return new WorkerSettings(n, prefetch, heartbeatInterval, maxChunkItems, maxPrefetch, prefetchCover, stallPatience);
  }

  public WorkerSettings withMaxChunkItems(int n) {
    return new WorkerSettings(slots, prefetch, heartbeatInterval, n, maxPrefetch, prefetchCover, stallPatience);
  }
}
