package dev.shoal.coordinator.http;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.shoal.coordinator.Coordinator;
import dev.shoal.coordinator.durable.Durability;
import dev.shoal.coordinator.durable.JournalDatabase;
import dev.shoal.coordinator.CoordinatorSettings;
import dev.shoal.protocol.CoordinatorProtocol;
import dev.shoal.protocol.FunctionRegistry;
import dev.shoal.worker.Worker;
import dev.shoal.worker.WorkerExecutors;
import dev.shoal.worker.WorkerSettings;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.http.javadsl.ServerBinding;

/**
 * The HTTP API's tests' fixture: a real coordinator, real worker actors of one slot each and the
 * API with two tokens (read-write and read-only) on a free port, all in one local actor system with
 * a results folder of its own, which {@link #close()} deletes.
 */
final class ServedCoordinator implements AutoCloseable {

  final ActorTestKit kit;
  /** The coordinator's data folder: its journal. */
  final Path dataDir;
  final FunctionRegistry functions;
  final ActorRef<CoordinatorProtocol.Command> coordinator;
  final WorkerSettings workerSettings;
  final WorkerExecutors executors;
  /** {@code http://127.0.0.1:PORT}. */
  final URI base;
  private final ServerBinding binding;
  final Durability durability;

  private ServedCoordinator(ActorTestKit kit, Path dataDir, FunctionRegistry functions,
      ActorRef<CoordinatorProtocol.Command> coordinator, WorkerSettings workerSettings, WorkerExecutors executors,
      ServerBinding binding, Durability durability) {
    this.durability = durability;
    this.kit = kit;
    this.dataDir = dataDir;
    this.functions = functions;
    this.coordinator = coordinator;
    this.workerSettings = workerSettings;
    this.executors = executors;
    this.binding = binding;
    this.base = URI.create("http://127.0.0.1:" + binding.localAddress().getPort());
  }

  /**
   * Serves the API of a fresh coordinator whose workers run on {@code workerNodes} (one worker
   * actor per entry, named {@code worker-NODE}, so the names must differ), with {@code config}
   * (HOCON) over the defaults.
   */
  static ServedCoordinator start(String name, String config, List<String> workerNodes, String token, String readToken)
      throws Exception {
    Path dataDir = Files.createTempDirectory("shoal-" + name);
    Durability durability = new Durability(JournalDatabase.embedded(dataDir));
    Config c = ConfigFactory.parseString("pekko.actor.provider = local")
        .withFallback(durability.persistenceConfig())
        .withFallback(ConfigFactory.parseString(config))
        .withFallback(ConfigFactory.load());
    ActorTestKit kit = ActorTestKit.create(name, c);
    FunctionRegistry functions = FunctionRegistry.load(null, true);
    CoordinatorSettings settings = CoordinatorSettings.fromConfig(c);
    ActorRef<CoordinatorProtocol.Command> coordinator = kit.spawn(Coordinator.create(functions, settings, durability), "coordinator");
    WorkerExecutors executors = new WorkerExecutors(2, 64);
    WorkerSettings workerSettings = WorkerSettings.fromConfig(c).withSlots(1);
    for (String node : workerNodes) {
      kit.spawn(Worker.create(coordinator, workerSettings, functions, executors, node), "worker-" + node);
    }
    ServerBinding binding = HttpApi.start(kit.system(), coordinator, "127.0.0.1", 0, ApiAccess.tokens(token, readToken),
        Optional.empty(), settings.metrics(), durability).toCompletableFuture().get(30, TimeUnit.SECONDS);
    return new ServedCoordinator(kit, dataDir, functions, coordinator, workerSettings, executors, binding, durability);
  }

  @Override
  public void close() throws Exception {
    binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    kit.shutdownTestKit();
    executors.close();
    durability.close();
    try (Stream<Path> files = Files.walk(dataDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }
}
