package dev.shoal.coordinator;

import dev.shoal.coordinator.durable.JarStore;
import dev.shoal.protocol.JarProtocol;
import dev.shoal.protocol.JarProtocol.FetchJar;
import dev.shoal.protocol.JarProtocol.JarPart;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Serves job jars to the workers that fetch them ({@link FetchJar}), a part at a time, from the
 * {@link JarStore}. A child of the coordinator, so that reading a jar from the database never holds up
 * scheduling.
 *
 * <p>Guarantees: every {@link FetchJar} gets one {@link JarPart}, with bytes or with the reason there
 * are none (no such jar, the store cannot be read); a jar is read from the database once while
 * several workers fetch it (the most recently served are kept in memory, up to {@code cacheBytes});
 * the database is read off the actor thread. A failure of its own restarts it empty.
 *
 * <p>Caveat: a jar deleted while a worker fetches it is served to the end from memory if it is held
 * there, else the worker hears that there is no such jar.
 */
final class JarServer extends AbstractBehavior<JarServer.Command> {

  interface Command {}

  /** A worker's request, as the coordinator forwards it. */
  record Serve(FetchJar fetch) implements Command {}

  private record Read(String sha256, byte[] bytes, String error) implements Command {}

  static Behavior<Command> create(JarStore store, long cacheBytes) {
    return Behaviors.supervise(Behaviors.<Command>setup(context -> new JarServer(context, store, cacheBytes)))
        .onFailure(SupervisorStrategy.restart());
  }

  private final JarStore store;
  private final long cacheBytes;
  private final Executor blocking;
  private final LinkedHashMap<String, byte[]> served = new LinkedHashMap<>(16, 0.75f, true);
  private final Map<String, List<FetchJar>> reading = new HashMap<>();
  private long heldBytes;

  private JarServer(ActorContext<Command> context, JarStore store, long cacheBytes) {
    super(context);
    this.store = store;
    this.cacheBytes = cacheBytes;
    this.blocking = context.getSystem().dispatchers().lookup(DispatcherSelector.blocking());
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Serve.class, this::onServe)
        .onMessage(Read.class, this::onRead)
        .build();
  }

  private Behavior<Command> onServe(Serve serve) {
    FetchJar fetch = serve.fetch();
    byte[] jar = served.get(fetch.sha256());
    if (jar != null) {
      answer(fetch, jar);
      return this;
    }
    List<FetchJar> waiting = reading.get(fetch.sha256());
    if (waiting != null) {
      waiting.add(fetch);
      return this;
    }
    waiting = new ArrayList<>();
    waiting.add(fetch);
    reading.put(fetch.sha256(), waiting);
    String sha = fetch.sha256();
    getContext().pipeToSelf(CompletableFuture.supplyAsync(() -> store.bytes(sha), blocking), (Optional<byte[]> bytes,
        Throwable failure) -> failure != null
            ? new Read(sha, null, "the coordinator cannot read it: " + failure.getMessage())
            : new Read(sha, bytes.orElse(null), bytes.isPresent() ? null : "the coordinator has no jar " + sha
                + " (it was deleted, or never uploaded)"));
    return this;
  }

  private Behavior<Command> onRead(Read read) {
    List<FetchJar> waiting = reading.remove(read.sha256());
    if (read.bytes() != null) {
      keep(read.sha256(), read.bytes());
    }
    for (FetchJar fetch : waiting == null ? List.<FetchJar>of() : waiting) {
      if (read.bytes() == null) {
        fetch.replyTo().tell(JarPart.failed(read.sha256(), read.error()));
      } else {
        answer(fetch, read.bytes());
      }
    }
    return this;
  }

  private void keep(String sha, byte[] bytes) {
    served.put(sha, bytes);
    heldBytes += bytes.length;
    var it = served.entrySet().iterator();
    while (heldBytes > cacheBytes && served.size() > 1 && it.hasNext()) {
      var eldest = it.next();
      if (!eldest.getKey().equals(sha)) {
        heldBytes -= eldest.getValue().length;
        it.remove();
      }
    }
  }

  private static void answer(FetchJar fetch, byte[] jar) {
    if (fetch.offset() < 0 || fetch.offset() > jar.length) {
      fetch.replyTo().tell(JarPart.failed(fetch.sha256(), "no part of the jar begins at " + fetch.offset()));
      return;
    }
    int from = (int) fetch.offset();
    int to = Math.min(jar.length, from + JarProtocol.PART_BYTES);
    fetch.replyTo().tell(new JarPart(fetch.sha256(), from, jar.length, Arrays.copyOfRange(jar, from, to), null));
  }
}
