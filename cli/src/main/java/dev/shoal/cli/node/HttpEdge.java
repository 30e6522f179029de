package dev.shoal.cli.node;

import dev.shoal.coordinator.durable.Durability;
import dev.shoal.coordinator.http.HttpApi;
import dev.shoal.coordinator.metrics.ShoalMetrics;
import dev.shoal.protocol.CoordinatorProtocol;
import dev.shoal.coordinator.http.ApiAccess;
import java.time.Duration;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.http.javadsl.ServerBinding;

/**
 * The HTTP API's lifetime, tied to the coordinator singleton's: spawned by the singleton on the node
 * that runs it, it binds the API there and unbinds when the singleton moves away. So the API always
 * talks to a coordinator in its own JVM (jobs carry local sources and sinks), and a standby
 * coordinator node opens its port only when it takes over.
 */
final class HttpEdge extends AbstractBehavior<HttpEdge.Command> {

  interface Command {}

  private record Bound(ServerBinding binding, Throwable failure) implements Command {}

  static Behavior<Command> create(ActorRef<CoordinatorProtocol.Command> coordinator, String host, int port,
      ApiAccess access, Optional<SSLContext> tls, ShoalMetrics metrics, Durability durability) {
    return Behaviors.setup(context -> new HttpEdge(context, coordinator, host, port, access, tls, metrics, durability));
  }

  private final String host;
  private final int port;
  private final String scheme;
  private ServerBinding binding;

  private HttpEdge(ActorContext<Command> context, ActorRef<CoordinatorProtocol.Command> coordinator, String host, int port,
      ApiAccess access, Optional<SSLContext> tls, ShoalMetrics metrics, Durability durability) {
    super(context);
    this.host = host;
    this.port = port;
    this.scheme = tls.isPresent() ? "https" : "http";
    context.pipeToSelf(HttpApi.start(context.getSystem(), coordinator, host, port, access, tls, metrics, durability), Bound::new);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Bound.class, this::onBound)
        .onSignal(PostStop.class, signal -> onPostStop())
        .build();
  }

  private Behavior<Command> onBound(Bound bound) {
    if (bound.failure() != null) {
      getContext().getLog().error("cannot serve the HTTP API on {}:{}: {}", host, port, bound.failure().getMessage());
      // a coordinator nobody can reach is worse than none: stop the node so the orchestrator sees it
      getContext().getSystem().terminate();
      return this;
    }
    binding = bound.binding();
    getContext().getLog().info("HTTP API at {}://{}:{}/jobs", scheme, host, binding.localAddress().getPort());
    return this;
  }

  private Behavior<Command> onPostStop() {
    if (binding != null) {
      binding.terminate(Duration.ofSeconds(3));
    }
    return this;
  }
}
