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
import java.util.ArrayList;
import java.util.List;
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

  /** Each actor heartbeats its demand to the coordinator; beyond this a node is better split into nodes. */
  static final int MAX_ACTORS = 1000;

  @Mixin
  NodeOptions node;

  @Option(names = "--slots", paramLabel = "N", defaultValue = "${env:SHOAL_SLOTS}",
      description = "chunks run at once (env SHOAL_SLOTS; default: one per CPU the JVM sees)")
  Integer slots;

  @Option(names = "--actors", paramLabel = "N", defaultValue = "${env:SHOAL_WORKER_ACTORS:-1}",
      description = "worker actors in this node, each pulling chunks for its own slots and sharing the node's threads "
          + "(env SHOAL_WORKER_ACTORS; default: ${DEFAULT-VALUE}); many actors with few slots each is how the "
          + "benchmark puts hundreds of workers on a few JVMs")
  int actors;

  @Override
  public Integer call() throws Exception {
    if (slots != null && slots < 1) {
      throw new UsageException("--slots must be at least 1, got " + slots);
    }
    if (actors < 1 || actors > MAX_ACTORS) {
      throw new UsageException("--actors must be between 1 and " + MAX_ACTORS + ", got " + actors);
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
        (int) Math.min((long) actors * settings.slots(), Runtime.getRuntime().availableProcessors()), config.getInt("shoal.worker.io-parallelism"));
    CompletableFuture<List<ActorRef<WorkerProtocol.Command>>> workerRefs = new CompletableFuture<>();
    ActorSystem<Void> system = ActorSystem.create(Behaviors.setup(context -> {
      ActorRef<CoordinatorProtocol.Command> coordinator = ClusterSingleton.get(context.getSystem()).init(
          SingletonActor.of(Behaviors.<CoordinatorProtocol.Command>empty(), CoordinatorNode.SINGLETON_NAME)
              .withSettings(ClusterSingletonSettings.create(context.getSystem()).withRole("coordinator")));
      String self = context.getSystem().address().getHost().orElse("?") + ":"
          + context.getSystem().address().getPort().map(String::valueOf).orElse("?");
      List<ActorRef<WorkerProtocol.Command>> spawned = new ArrayList<>();
      for (int i = 1; i <= actors; i++) {
        // the first keeps the name a one-actor node has always had
        spawned.add(context.spawn(Worker.create(coordinator, settings, registry, executors, self), i == 1 ? "worker" : "worker-" + i));
      }
      workerRefs.complete(List.copyOf(spawned));
      return Behaviors.empty();
    }), "shoal", config);
    List<ActorRef<WorkerProtocol.Command>> workers = workerRefs.get();
    // a downed worker has no coordinator to hand chunks back to; they are re-sent when it is removed
    CoordinatedShutdown.get(system).addTask(CoordinatedShutdown.PhaseBeforeServiceUnbind(), "drain-worker",
        () -> NodeOptions.wasDowned(system) ? CompletableFuture.completedFuture(Done.getInstance())
            : CompletableFuture.allOf(workers.stream().map(w -> drain(w, drainTimeout, system)).toArray(CompletableFuture[]::new))
                .thenApply(all -> Done.getInstance()));
    if (node.managementEnabled()) {
      Management.start(system);
    }
    system.log().info("worker node up at {} with {}{} slots, seeds {}", system.address(),
        actors == 1 ? "" : actors + " actors of ", settings.slots(), config.getStringList("pekko.cluster.seed-nodes"));
    int exit = NodeOptions.awaitExit(system);
    executors.close();
    return exit;
  }

  /** Drains one worker actor: done when it is, or when what still ran past {@code timeout} was handed back. */
  private static CompletableFuture<Done> drain(ActorRef<WorkerProtocol.Command> worker, Duration timeout, ActorSystem<Void> system) {
    return AskPattern.<WorkerProtocol.Command, Done>ask(worker, Worker.Drain::new, timeout, system.scheduler())
        // past drain-timeout what still runs is interrupted and handed back, so no item
        // finishes on a node that has left while its chunk runs elsewhere
        .exceptionallyCompose(e -> AskPattern.<WorkerProtocol.Command, Done>ask(
            worker, Worker.AbandonDrain::new, Duration.ofSeconds(5), system.scheduler()))
        .exceptionally(e -> Done.getInstance())
        .toCompletableFuture();
  }
}
