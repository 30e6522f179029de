package dev.shoal.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.shoal.client.ItemFailedException;
import dev.shoal.client.Items;
import dev.shoal.client.JobHandle;
import dev.shoal.client.Pool;
import dev.shoal.client.ResultChunk;
import dev.shoal.client.Shoal;
import dev.shoal.coordinator.Coordinator;
import dev.shoal.coordinator.CoordinatorSettings;
import dev.shoal.coordinator.http.ApiAccess;
import dev.shoal.coordinator.durable.Durability;
import dev.shoal.coordinator.durable.JournalDatabase;
import dev.shoal.coordinator.http.HttpApi;
import dev.shoal.coordinator.job.JobLimits;
import dev.shoal.api.JobRequest;
import dev.shoal.api.JobStatus;
import dev.shoal.protocol.CoordinatorProtocol;
import dev.shoal.api.FunctionInfo;
import dev.shoal.api.FunctionKind;
import dev.shoal.protocol.FunctionRegistry;
import dev.shoal.api.ShoalFunction;
import dev.shoal.worker.Worker;
import dev.shoal.worker.WorkerExecutors;
import dev.shoal.worker.WorkerSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.ServerBinding;

/**
 * The pool on threads of this JVM: one actor system holding the coordinator and {@code workers}
 * worker actors of one slot each. CPU functions run on at most one thread per core (or per worker,
 * if fewer); IO functions run every item of a chunk at once. Same engine, same results as a
 * cluster: only the transport differs.
 *
 * <p>Guarantees: a job keeps to the cluster's {@link JobLimits} ({@code shoal.coordinator.limits}),
 * with the HTTP API's messages: one over a limit is an {@link IllegalArgumentException} naming it,
 * one beyond {@code max-queued-jobs} a {@link RejectedExecutionException}; a giant item fails its
 * job, naming the item, without being read whole.
 */
public final class LocalPool implements Pool {

  /**
   * @param plugins a folder of plugin jars, or null
   * @param config overrides on top of the defaults, or null
   */
  public record Options(int workers, Path plugins, boolean enableTestFunctions, Config config) {

    public Options {
      if (workers < 1) {
        throw new IllegalArgumentException("workers must be at least 1, got " + workers);
      }
    }

    public static Options of(int workers) {
      return new Options(workers, null, false, null);
    }
  }

  private static final AtomicLong LAMBDAS = new AtomicLong();

  private final ActorSystem<CoordinatorProtocol.Command> system;
  private final FunctionRegistry registry;
  private final WorkerExecutors executors;
  private final Duration askTimeout;
  private final JobLimits limits;
  private final dev.shoal.coordinator.metrics.ShoalMetrics metrics;

  private LocalPool(Options options) {
    // start logging before the actor system's threads log, or SLF4J replays (and announces) early calls
    org.slf4j.LoggerFactory.getILoggerFactory();
    Config config = ConfigFactory.parseString("pekko.actor.provider = local\npekko.coordinated-shutdown.exit-jvm = off")
        .withFallback(options.config() == null ? ConfigFactory.empty() : options.config())
        .withFallback(ConfigFactory.load());
    Path plugins = options.plugins();
    this.registry = FunctionRegistry.load(plugins, options.enableTestFunctions());
    this.askTimeout = config.getDuration("shoal.local.ask-timeout");
    int cores = Runtime.getRuntime().availableProcessors();
    this.executors = new WorkerExecutors(Math.min(options.workers(), cores), config.getInt("shoal.worker.io-parallelism"));
    WorkerSettings workerSettings = WorkerSettings.fromConfig(config).withSlots(1);
    CoordinatorSettings coordinatorSettings = CoordinatorSettings.fromConfig(config);
    this.limits = coordinatorSettings.limits();
    this.metrics = coordinatorSettings.metrics();
    this.system = ActorSystem.create(Behaviors.setup(context -> {
      for (int i = 1; i <= options.workers(); i++) {
        context.spawn(Worker.create(context.getSelf(), workerSettings, registry, executors, "local"), "worker-" + i);
      }
      return Coordinator.create(registry, coordinatorSettings);
    }), "shoal", config);
  }

  public static LocalPool start(Options options) {
    return new LocalPool(options);
  }

  /** Problems found while loading functions (a plugin that failed to load, a name used twice). */
  public List<String> warnings() {
    return registry.warnings();
  }

  @Override
  public JobHandle submit(JobRequest request, Items items) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(items, "items");
    QueueSink sink = new QueueSink();
    Coordinator.SubmitReply reply = ask(replyTo -> new Coordinator.SubmitJob(request, ItemSources.of(items, limits), id -> sink, replyTo));
    if (reply instanceof Coordinator.JobRejected r) {
      throw r.overloaded() ? new RejectedExecutionException(r.reason()) : new IllegalArgumentException(r.reason());
    }
    String id = ((Coordinator.JobAccepted) reply).id();
    return new JobHandle() {
      @Override
      public String id() {
        return id;
      }

      @Override
      public Iterator<ResultChunk> chunks() {
        return sink.iterator();
      }

      @Override
      public JobStatus await() {
        return sink.ended().join();
      }

      @Override
      public JobStatus status() {
        if (sink.ended().isDone()) {
          return sink.ended().join();
        }
        Optional<JobStatus> s = ask(replyTo -> new Coordinator.GetJob(id, replyTo));
        return s.orElseThrow(() -> new IllegalStateException("job " + id + " is unknown to the coordinator"));
      }

      @Override
      public void cancel() {
        sink.abandon();
        Optional<JobStatus> ignored = LocalPool.this.<Optional<JobStatus>>ask(replyTo -> new Coordinator.CancelJob(id, replyTo));
      }
    };
  }

  @Override
  public List<FunctionInfo> functions() {
    return ask(Coordinator.ListFunctions::new);
  }

  /**
   * Applies an in-process lambda to every item, in parallel on this pool's CPU threads, and returns
   * the results in input order. The items and results stay Java objects: nothing is turned into
   * JSON. Throws {@link ItemFailedException} naming the first failed item if any failed.
   */
  @Override
  @SuppressWarnings("unchecked")
  public <T, R> List<R> map(Function<? super T, ? extends R> fn, Iterable<T> items) {
    List<T> in = new ArrayList<>();
    items.forEach(in::add);
    Object[] out = new Object[in.size()];
    String name = "lambda-" + LAMBDAS.incrementAndGet();
    registry.addTransient(new ShoalFunction() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public FunctionKind kind() {
        return FunctionKind.CPU;
      }

      @Override
      public JsonNode apply(JsonNode item, JsonNode args) {
        int i = (int) item.longValue();
        out[i] = fn.apply(in.get(i));
        return NullNode.getInstance();
      }
    });
    try {
      map(JobRequest.of(name), Items.range(0, in.size()));
    } finally {
      registry.removeTransient(name);
    }
    return (List<R>) Arrays.asList(out);
  }

  /**
   * Serves this pool's HTTP job API on {@code host:port} (port 0 picks a free one), as a coordinator
   * node does, so that {@link Shoal#connect(String, String)} and the {@code shoal submit} family can
   * use it with {@code token}.
   */
  public CompletionStage<ServerBinding> serveHttp(String host, int port, String token) {
    // this pool keeps its jobs in memory, and so, here, does the API: items and results in an
    // in-memory database that goes with the pool
    Durability inMemory = new Durability(JournalDatabase.inMemory());
    system.getWhenTerminated().thenRun(inMemory::close);
    return HttpApi.start(system, system, host, port, ApiAccess.tokens(token, null), java.util.Optional.empty(),
        metrics, inMemory);
  }

  /** Cluster view of this pool (one node), for parity with a connected pool. */
  public dev.shoal.api.ClusterView cluster() {
    return ask(Coordinator.GetCluster::new);
  }

  private <T> T ask(Function<org.apache.pekko.actor.typed.ActorRef<T>, CoordinatorProtocol.Command> message) {
    try {
      return AskPattern.ask(system, message::apply, askTimeout, system.scheduler())
          .toCompletableFuture().get(askTimeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException | CompletionException | TimeoutException e) {
      throw new IllegalStateException("the coordinator did not answer: " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    system.terminate();
    try {
      system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      // the JVM may be on its way out; nothing is left to save
    }
    executors.close();
  }
}
