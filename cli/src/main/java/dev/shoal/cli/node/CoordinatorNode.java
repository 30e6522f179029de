package dev.shoal.cli.node;

import com.typesafe.config.Config;
import dev.shoal.coordinator.Coordinator;
import dev.shoal.coordinator.CoordinatorSettings;
import dev.shoal.protocol.CoordinatorProtocol;
import dev.shoal.protocol.FunctionRegistry;
import java.util.concurrent.Callable;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.ClusterSingletonSettings;
import org.apache.pekko.cluster.typed.SingletonActor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code shoal coordinator}: a coordinator node. The coordinator runs as a Cluster Singleton on the
 * oldest node with the {@code coordinator} role; a second coordinator node is a standby that takes
 * over (with an empty job list) when the first leaves or is downed. The HTTP API is served by the
 * node that runs the singleton.
 */
@Command(name = "coordinator", mixinStandardHelpOptions = true,
    description = "Start a coordinator node: the job queue, dispatch to workers and the HTTP API.")
public final class CoordinatorNode implements Callable<Integer> {

  static final String SINGLETON_NAME = "coordinator";

  @Mixin
  NodeOptions node;

  @Option(names = "--http-port", paramLabel = "PORT", defaultValue = "${env:SHOAL_HTTP_PORT:-8080}",
      description = "the HTTP API's port (env SHOAL_HTTP_PORT; default ${DEFAULT-VALUE})")
  int httpPort;

  @Option(names = "--http-host", paramLabel = "HOST", defaultValue = "${env:SHOAL_HTTP_HOST:-127.0.0.1}",
      description = "the address the HTTP API binds (env SHOAL_HTTP_HOST; default ${DEFAULT-VALUE}; 0.0.0.0 for all)")
  String httpHost;

  @Override
  public Integer call() throws Exception {
    if (node.managementPort == null) {
      node.managementPort = 7626;
    }
    Config config = node.config("coordinator", 2551, "SELF");
    FunctionRegistry registry = FunctionRegistry.load(node.pluginsDir(), node.testFunctions);
    registry.warnings().forEach(w -> System.err.println("shoal: warning: " + w));
    CoordinatorSettings settings = CoordinatorSettings.fromConfig(config);
    Behavior<CoordinatorProtocol.Command> coordinator = Behaviors.setup(context -> {
      context.spawn(HttpEdge.create(context.getSelf(), httpHost, httpPort), "http");
      return Coordinator.create(registry, settings);
    });
    ActorSystem<Void> system = ActorSystem.create(Behaviors.setup(context -> {
      ClusterSingleton.get(context.getSystem()).init(SingletonActor.of(coordinator, SINGLETON_NAME)
          .withSettings(ClusterSingletonSettings.create(context.getSystem()).withRole("coordinator")));
      return Behaviors.empty();
    }), "shoal", config);
    Management.start(system);
    system.log().info("coordinator node up at {}, seeds {}", system.address(), config.getStringList("pekko.cluster.seed-nodes"));
    return NodeOptions.awaitExit(system);
  }
}
