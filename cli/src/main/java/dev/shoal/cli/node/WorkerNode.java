package dev.shoal.cli.node;

import com.typesafe.config.Config;
import dev.shoal.cli.UsageException;
import dev.shoal.protocol.CoordinatorProtocol;
import dev.shoal.protocol.FunctionRegistry;
import dev.shoal.protocol.WorkerProtocol;
import dev.shoal.worker.Worker;
import dev.shoal.worker.WorkerExecutors;
import dev.shoal.worker.WorkerSettings;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.Done;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.ClusterSingletonSettings;
import org.apache.pekko.cluster.typed.SingletonActor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code shoal worker}: a worker node. Joins the cluster, finds the coordinator through the
 * singleton proxy and pulls chunks from it; on SIGTERM it drains (stops pulling, hands back what it
 * has not started, finishes what runs, within {@code shoal.worker.drain-timeout}) and then leaves
 * the cluster, so stopping a worker loses no work.
 */
@Command(name = "worker", mixinStandardHelpOptions = true, description = "Start a worker node that joins a Shoal cluster.")
public final class WorkerNode implements Callable<Integer> {

  @Mixin
  NodeOptions node;

  @Option(names = "--slots", paramLabel = "N", defaultValue = "${env:SHOAL_SLOTS}",
      description = "chunks run at once (env SHOAL_SLOTS; default: one per CPU the JVM sees)")
  Integer slots;

  @Override
  public Integer call() throws Exception {
    if (slots != null && slots < 1) {
      throw new UsageException("--slots must be at least 1, got " + slots);
    }
    Config config = node.config("worker", 0, "127.0.0.1:2551");
    Duration drainTimeout = config.getDuration("shoal.worker.drain-timeout");
    config = com.typesafe.config.ConfigFactory.parseString(
        "pekko.coordinated-shutdown.phases.before-service-unbind.timeout = " + (drainTimeout.toMillis() + 10000) + "ms")
        .withFallback(config);
    FunctionRegistry registry = FunctionRegistry.load(node.pluginsDir(), node.testFunctions);
    registry.warnings().forEach(w -> System.err.println("shoal: warning: " + w));
    WorkerSettings base = WorkerSettings.fromConfig(config);
    WorkerSettings settings = slots != null ? base.withSlots(slots) : base;
    WorkerExecutors executors = new WorkerExecutors(
        Math.min(settings.slots(), Runtime.getRuntime().availableProcessors()), config.getInt("shoal.worker.io-parallelism"));
    CompletableFuture<ActorRef<WorkerProtocol.Command>> workerRef = new CompletableFuture<>();
    ActorSystem<Void> system = ActorSystem.create(Behaviors.setup(context -> {
      ActorRef<CoordinatorProtocol.Command> coordinator = ClusterSingleton.get(context.getSystem()).init(
          SingletonActor.of(Behaviors.<CoordinatorProtocol.Command>empty(), CoordinatorNode.SINGLETON_NAME)
              .withSettings(ClusterSingletonSettings.create(context.getSystem()).withRole("coordinator")));
      String self = context.getSystem().address().getHost().orElse("?") + ":"
          + context.getSystem().address().getPort().map(String::valueOf).orElse("?");
      workerRef.complete(context.spawn(Worker.create(coordinator, settings, registry, executors, self), "worker"));
      return Behaviors.empty();
    }), "shoal", config);
    ActorRef<WorkerProtocol.Command> worker = workerRef.get();
    // a downed worker has no coordinator to hand chunks back to; they are re-sent when it is removed
    CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(), "drain-worker",
        () -> NodeOptions.wasDowned(system) ? CompletableFuture.completedFuture(Done.getInstance())
            : AskPattern.<WorkerProtocol.Command, Done>ask(worker, Worker.Drain::new, drainTimeout, system.scheduler())
                // past drain-timeout what still runs is interrupted and handed back, so no item
                // finishes on a node that has left while its chunk runs elsewhere
                .exceptionallyCompose(e -> AskPattern.<WorkerProtocol.Command, Done>ask(
                    worker, Worker.AbandonDrain::new, Duration.ofSeconds(5), system.scheduler()))
                .exceptionally(e -> Done.getInstance()));
    if (node.managementEnabled()) {
      Management.start(system);
    }
    system.log().info("worker node up at {} with {} slots, seeds {}", system.address(), settings.slots(),
        config.getStringList("pekko.cluster.seed-nodes"));
    int exit = NodeOptions.awaitExit(system);
    executors.close();
    return exit;
  }
}
