package dev.shoal.worker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.protocol.ChunkResults;
import dev.shoal.protocol.ChunkTask;
import dev.shoal.protocol.CoordinatorProtocol;
import dev.shoal.protocol.CoordinatorProtocol.WorkerDemand;
import dev.shoal.protocol.FunctionInfo;
import dev.shoal.protocol.FunctionRegistry;
import dev.shoal.protocol.JobProtocol;
import dev.shoal.protocol.ShoalFunction;
import dev.shoal.protocol.WorkerProtocol;
import dev.shoal.protocol.WorkerProtocol.CancelJob;
import dev.shoal.protocol.WorkerProtocol.Command;
import dev.shoal.protocol.WorkerProtocol.ProcessChunk;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;

/**
 * A worker: pulls chunks from the coordinator and runs them, {@code slots} at a time, with up to
 * {@code prefetch} more waiting so that no slot idles for a network round trip.
 *
 * <p>Guarantees: it asks only for what it can hold (see {@link WorkerDemand}); every chunk it accepts
 * gets exactly one {@link JobProtocol.ChunkProcessed} or, when it drains, one {@link
 * JobProtocol.ChunkReturned}, or, when it holds more than {@code max-chunk-items} items, one {@link
 * JobProtocol.ChunkRefused} at once, nothing allocated from its size; a function never runs on the
 * actor thread. Its demand, restated every {@code heartbeat-interval}, is also its heartbeat.
 *
 * <p>Caveat: if the JVM dies, what it held is recovered by the coordinator (unreachability or lease
 * expiry), not by the worker.
 */
public final class Worker extends AbstractBehavior<Command> {

  /** Stop taking work, hand back what has not started, finish what runs, then stop; {@code replyTo} hears when. */
  public record Drain(ActorRef<Done> replyTo) implements Command {}

  private record ChunkDone(ProcessChunk chunk, ChunkResults results, long nanos) implements Command {}

  private enum Heartbeat implements Command {
    INSTANCE
  }

  public static Behavior<Command> create(
      ActorRef<CoordinatorProtocol.Command> coordinator,
      WorkerSettings settings,
      FunctionRegistry functions,
      WorkerExecutors executors,
      String node) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers ->
        new Worker(context, timers, coordinator, settings, functions, executors, node)));
  }

  private final ActorRef<CoordinatorProtocol.Command> coordinator;
  private final WorkerSettings settings;
  private final FunctionRegistry functions;
  private final List<FunctionInfo> functionInfos;
  private final WorkerExecutors executors;
  private final String node;
  private final ArrayDeque<ProcessChunk> queued = new ArrayDeque<>();
  /** Chunks started and not yet done, by lease; the runner is absent for a chunk that failed before it ran. */
  private final Map<Long, ChunkRunner> running = new HashMap<>();
  private final Set<Long> started = new HashSet<>();
  private final Map<String, JsonNode> parsedArgs = new HashMap<>();
  private long received;
  private ActorRef<Done> drainedReplyTo;

  private Worker(
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      ActorRef<CoordinatorProtocol.Command> coordinator,
      WorkerSettings settings,
      FunctionRegistry functions,
      WorkerExecutors executors,
      String node) {
    super(context);
    this.coordinator = coordinator;
    this.settings = settings;
    this.functions = functions;
    this.functionInfos = functions.infos();
    this.executors = executors;
    this.node = node;
    context.getSystem().receptionist().tell(Receptionist.register(WorkerProtocol.WORKER_KEY, context.getSelf()));
    timers.startTimerWithFixedDelay(Heartbeat.INSTANCE, settings.heartbeatInterval());
    sendDemand();
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(ProcessChunk.class, this::onProcessChunk)
        .onMessage(ChunkDone.class, this::onChunkDone)
        .onMessage(CancelJob.class, this::onCancelJob)
        .onMessageEquals(WorkerProtocol.Reregister.INSTANCE, this::onHeartbeat)
        .onMessageEquals(Heartbeat.INSTANCE, this::onHeartbeat)
        .onMessage(Drain.class, this::onDrain)
        .build();
  }

  private Behavior<Command> onProcessChunk(ProcessChunk chunk) {
    received++;
    if (draining()) {
      chunk.replyTo().tell(new JobProtocol.ChunkReturned(chunk.task().leaseId(), getContext().getSelf()));
      return this;
    }
    int size = chunk.task().items().size();
    if (size < 0 || size > settings.maxChunkItems()) {
      // refused before anything is sized from it: a typo in a chunk size must not cost the node
      chunk.replyTo().tell(new JobProtocol.ChunkRefused(chunk.task().leaseId(), "a chunk of " + size
          + " items exceeds shoal.worker.max-chunk-items (" + settings.maxChunkItems() + ") on worker " + node,
          getContext().getSelf()));
      sendDemand();
      return this;
    }
    queued.add(chunk);
    startQueued();
    return this;
  }

  private Behavior<Command> onChunkDone(ChunkDone done) {
    running.remove(done.chunk().task().leaseId());
    started.remove(done.chunk().task().leaseId());
    done.chunk().replyTo().tell(
        new JobProtocol.ChunkProcessed(done.chunk().task().leaseId(), done.results(), done.nanos(), getContext().getSelf()));
    if (draining()) {
      return started.isEmpty() ? leave() : this;
    }
    startQueued();
    sendDemand();
    return this;
  }

  private Behavior<Command> onCancelJob(CancelJob cancel) {
    for (Iterator<ProcessChunk> it = queued.iterator(); it.hasNext(); ) {
      ProcessChunk c = it.next();
      if (c.task().jobId().equals(cancel.jobId())) {
        it.remove();
        c.replyTo().tell(new JobProtocol.ChunkProcessed(c.task().leaseId(),
            ChunkResults.allFailed(c.task().items().size(), "Cancelled", "the job was cancelled"), 0,
            getContext().getSelf()));
      }
    }
    running.values().stream().filter(r -> r.jobId().equals(cancel.jobId())).forEach(ChunkRunner::cancel);
    parsedArgs.keySet().removeIf(k -> k.startsWith(cancel.jobId() + "\u0000"));
    sendDemand();
    return this;
  }

  private Behavior<Command> onHeartbeat() {
    sendDemand();
    return this;
  }

  private Behavior<Command> onDrain(Drain drain) {
    drainedReplyTo = drain.replyTo();
    for (ProcessChunk c : queued) {
      c.replyTo().tell(new JobProtocol.ChunkReturned(c.task().leaseId(), getContext().getSelf()));
    }
    queued.clear();
    sendDemand();
    return started.isEmpty() ? leave() : this;
  }

  private Behavior<Command> leave() {
    coordinator.tell(new CoordinatorProtocol.WorkerLeaving(getContext().getSelf()));
    getContext().getSystem().receptionist()
        .tell(Receptionist.deregister(WorkerProtocol.WORKER_KEY, getContext().getSelf()));
    drainedReplyTo.tell(Done.getInstance());
    return Behaviors.stopped();
  }

  private boolean draining() {
    return drainedReplyTo != null;
  }

  private void startQueued() {
    while (started.size() < settings.slots() && !queued.isEmpty()) {
      ProcessChunk chunk = queued.poll();
      long startNanos = System.nanoTime();
      pipe(chunk, start(chunk.task()), startNanos);
    }
  }

  /** Starts a chunk off the actor thread; a chunk that cannot run completes at once, every item failed. */
  private CompletableFuture<ChunkResults> start(ChunkTask task) {
    ShoalFunction fn = functions.find(task.function()).orElse(null);
    if (fn == null) {
      return CompletableFuture.completedFuture(ChunkRunner.unknownFunction(task));
    }
    JsonNode args;
    try {
      args = argsOf(task);
    } catch (Exception e) {
      return CompletableFuture.completedFuture(ChunkResults.allFailed(task.items().size(),
          "InvalidArgs", "args are not a JSON object: " + e.getMessage()));
    }
    ChunkRunner runner = new ChunkRunner(task, fn, args, executors);
    running.put(task.leaseId(), runner);
    return runner.start();
  }

  private void pipe(ProcessChunk chunk, CompletableFuture<ChunkResults> result, long startNanos) {
    started.add(chunk.task().leaseId());
    getContext().pipeToSelf(result, (r, failure) -> new ChunkDone(chunk,
        failure == null ? r : ChunkResults.allFailed(chunk.task().items().size(),
            failure.getClass().getSimpleName(), String.valueOf(failure.getMessage())),
        System.nanoTime() - startNanos));
  }

  private JsonNode argsOf(ChunkTask task) throws Exception {
    // a job's args are parsed once per worker, not once per chunk
    String key = task.jobId() + "\u0000" + task.argsJson();
    JsonNode args = parsedArgs.get(key);
    if (args == null) {
      args = ChunkRunner.JSON.readTree(task.argsJson() == null ? "{}" : task.argsJson());
      if (!args.isObject()) {
        throw new IllegalArgumentException("got " + args.getNodeType());
      }
      if (parsedArgs.size() > 64) {
        parsedArgs.clear();
      }
      parsedArgs.put(key, args);
    }
    return args;
  }

  private void sendDemand() {
    int held = queued.size() + started.size();
    int wanted = draining() ? 0 : Math.max(0, settings.slots() + settings.prefetch() - held);
    coordinator.tell(new WorkerDemand(getContext().getSelf(), wanted, received, settings.slots(),
        started.size(), held, node, draining(), functionInfos));
  }
}
