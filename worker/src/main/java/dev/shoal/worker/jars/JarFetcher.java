package dev.shoal.worker.jars;

import com.typesafe.config.Config;
import dev.shoal.protocol.CoordinatorProtocol;
import dev.shoal.protocol.JarProtocol;
import dev.shoal.protocol.JarProtocol.FetchJar;
import dev.shoal.protocol.JarProtocol.JarPart;
import dev.shoal.protocol.PluginJars;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * A node's job jars: answers {@link Obtain} with the functions of a jar, from memory, from the
 * node's {@link JarCache} on disk, or else fetched from the coordinator a part at a time ({@link
 * JarProtocol}), checked against its SHA-256, stored in the cache and loaded in a class loader of its
 * own ({@link PluginJars}).
 *
 * <p>Guarantees: every {@link Obtain} gets one {@link Obtained}; one jar is fetched once however many
 * chunks wait for it; no class of a jar is loaded before its bytes hash to the name the job gave;
 * a part the coordinator does not answer (it is failing over, a message was lost) is asked for
 * again every {@code part-timeout}, {@code fetch-attempts} times, before the waiters hear that it
 * could not be had. Disk and user code (a function's constructor) run off the actor thread.
 *
 * <p>Caveats: a jar that cannot be loaded is remembered as such until {@code loaded} other jars push
 * it out, so a job retried with the same jar fails the same way without a fetch. At most {@code
 * loaded} jars stay loaded; one pushed out is loaded again from the disk cache when next needed.
 */
public final class JarFetcher extends AbstractBehavior<JarFetcher.Command> {

  public interface Command {}

  /** Send the functions of jar {@code sha256} to {@code replyTo}. */
  public record Obtain(String sha256, ActorRef<Obtained> replyTo) implements Command {}

  /** The jar's functions, or when {@code error} is not null, why it could not be had or loaded. */
  public record Obtained(String sha256, PluginJars.Loaded functions, String error) {}

  private record PartReceived(JarPart part) implements Command {}

  private record PartTimedOut(String sha256, long offset) implements Command {}

  private record Ready(String sha256, PluginJars.Loaded functions, String error) implements Command {}

  /** From {@code shoal.worker.jars}. */
  public record Settings(Path cacheDir, long cacheMaxBytes, long maxJarBytes, Duration partTimeout, int fetchAttempts,
      int loaded) {

    public static Settings fromConfig(Config config) {
      Config c = config.getConfig("shoal.worker.jars");
      return new Settings(Path.of(c.getString("cache-dir")), c.getBytes("cache-max-bytes"), c.getBytes("max-jar-bytes"),
          c.getDuration("part-timeout"), c.getInt("fetch-attempts"), c.getInt("loaded"));
    }
  }

  public static Behavior<Command> create(ActorRef<CoordinatorProtocol.Command> coordinator, Settings settings) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> new JarFetcher(context, timers, coordinator, settings)));
  }

  /** A jar on its way: who waits for it and, while it comes from the coordinator, its parts so far. */
  private static final class Pending {
    final List<ActorRef<Obtained>> waiters = new ArrayList<>();
    JarAssembly parts;
    int attempts;
  }

  private final TimerScheduler<Command> timers;
  private final ActorRef<CoordinatorProtocol.Command> coordinator;
  private final Settings settings;
  private final JarCache cache;
  private final Executor blocking;
  private final ActorRef<JarPart> partAdapter;
  private final Map<String, Pending> pending = new HashMap<>();
  /** Jars loaded (or known not to load), the least recently used first. */
  private final LinkedHashMap<String, Ready> known;

  private JarFetcher(ActorContext<Command> context, TimerScheduler<Command> timers,
      ActorRef<CoordinatorProtocol.Command> coordinator, Settings settings) {
    super(context);
    this.timers = timers;
    this.coordinator = coordinator;
    this.settings = settings;
    this.cache = new JarCache(settings.cacheDir(), settings.cacheMaxBytes());
    this.blocking = context.getSystem().dispatchers().lookup(DispatcherSelector.blocking());
    this.partAdapter = context.messageAdapter(JarPart.class, PartReceived::new);
    this.known = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Ready> eldest) {
        return size() > settings.loaded();
      }
    };
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Obtain.class, this::onObtain)
        .onMessage(PartReceived.class, this::onPartReceived)
        .onMessage(PartTimedOut.class, this::onPartTimedOut)
        .onMessage(Ready.class, this::onReady)
        .build();
  }

  private Behavior<Command> onObtain(Obtain obtain) {
    Ready ready = known.get(obtain.sha256());
    if (ready != null) {
      obtain.replyTo().tell(new Obtained(ready.sha256(), ready.functions(), ready.error()));
      return this;
    }
    Pending p = pending.get(obtain.sha256());
    if (p != null) {
      p.waiters.add(obtain.replyTo());
      return this;
    }
    p = new Pending();
    p.waiters.add(obtain.replyTo());
    pending.put(obtain.sha256(), p);
    String sha = obtain.sha256();
    // the disk cache first; null means it does not hold the jar and the coordinator is asked
    getContext().pipeToSelf(CompletableFuture.supplyAsync(() -> {
      try {
        return cache.find(sha).map(JarFetcher::load).orElse(null);
      } catch (Exception e) {
        return null;
      }
    }, blocking), (found, failure) -> found == null ? new Ready(sha, null, null) : found);
    return this;
  }

  private Behavior<Command> onReady(Ready ready) {
    Pending p = pending.get(ready.sha256());
    if (p == null) {
      return this;
    }
    if (ready.functions() == null && ready.error() == null) {
      // not in the cache: fetch it
      p.parts = new JarAssembly(ready.sha256(), settings.maxJarBytes());
      askForPart(ready.sha256(), p);
      return this;
    }
    pending.remove(ready.sha256());
    known.put(ready.sha256(), ready);
    if (ready.error() != null) {
      getContext().getLog().warn("job jar {}: {}", ready.sha256(), ready.error());
    } else {
      getContext().getLog().info("job jar {} loaded ({} functions)", ready.sha256(), ready.functions().functions().size());
    }
    for (ActorRef<Obtained> w : p.waiters) {
      w.tell(new Obtained(ready.sha256(), ready.functions(), ready.error()));
    }
    return this;
  }

  private Behavior<Command> onPartReceived(PartReceived received) {
    JarPart part = received.part();
    Pending p = pending.get(part.sha256());
    if (p == null || p.parts == null) {
      return this;
    }
    switch (p.parts.accept(part)) {
      case NEED_MORE -> {
        p.attempts = 0;
        askForPart(part.sha256(), p);
      }
      case COMPLETE -> {
        timers.cancel(part.sha256());
        byte[] bytes = p.parts.bytes();
        p.parts = null;
        String sha = part.sha256();
        getContext().pipeToSelf(CompletableFuture.supplyAsync(() -> {
          try {
            return load(cache.store(sha, bytes));
          } catch (IllegalArgumentException e) {
            return new Ready(sha, null, e.getMessage());
          } catch (Exception e) {
            return new Ready(sha, null, "cannot store it in " + settings.cacheDir() + ": " + e.getMessage());
          }
        }, blocking), (ready, failure) -> failure == null ? ready : new Ready(sha, null, "cannot load it: " + failure));
      }
      case FAILED -> {
        timers.cancel(part.sha256());
        fail(part.sha256(), p.parts.failure());
      }
      case IGNORED -> {
        // a repeat of a part already used
      }
    }
    return this;
  }

  private Behavior<Command> onPartTimedOut(PartTimedOut timedOut) {
    Pending p = pending.get(timedOut.sha256());
    if (p == null || p.parts == null || p.parts.nextOffset() != timedOut.offset()) {
      return this;
    }
    if (p.attempts >= settings.fetchAttempts()) {
      fail(timedOut.sha256(), "the coordinator sent no part of it for " + settings.partTimeout().multipliedBy(p.attempts).toSeconds()
          + " s");
      return this;
    }
    askForPart(timedOut.sha256(), p);
    return this;
  }

  private void askForPart(String sha, Pending p) {
    p.attempts++;
    long offset = p.parts.nextOffset();
    coordinator.tell(new FetchJar(sha, offset, partAdapter));
    timers.startSingleTimer(sha, new PartTimedOut(sha, offset), settings.partTimeout());
  }

  /** A fetch that failed is not remembered: the next chunk that needs the jar fetches it again. */
  private void fail(String sha, String reason) {
    Pending p = pending.remove(sha);
    getContext().getLog().warn("job jar {} could not be fetched: {}", sha, reason);
    for (ActorRef<Obtained> w : p.waiters) {
      w.tell(new Obtained(sha, null, "could not be fetched: " + reason));
    }
  }

  /** Loads a verified jar; runs the jar's own constructors, so off the actor thread. */
  private static Ready load(Path jar) {
    String sha = jar.getFileName().toString().replace(".jar", "");
    PluginJars.Loaded loaded = PluginJars.load(jar);
    if (loaded.functions().isEmpty()) {
      return new Ready(sha, null, "it cannot be loaded: " + String.join("; ", loaded.problems()));
    }
    return new Ready(sha, loaded, null);
  }
}
