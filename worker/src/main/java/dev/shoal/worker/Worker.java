package dev.shoal.worker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.api.ChunkResults;
import dev.shoal.protocol.ChunkTask;
import dev.shoal.protocol.CoordinatorProtocol;
import dev.shoal.protocol.CoordinatorProtocol.WorkerDemand;
import dev.shoal.api.FunctionInfo;
import dev.shoal.protocol.FunctionRegistry;
import dev.shoal.protocol.JobProtocol;
import dev.shoal.protocol.PluginJars;
import dev.shoal.worker.jars.JarFetcher;
import dev.shoal.api.ShoalFunction;
import dev.shoal.protocol.WorkerProtocol;
import dev.shoal.protocol.WorkerProtocol.CancelJob;
import dev.shoal.protocol.WorkerProtocol.Command;
import dev.shoal.protocol.WorkerProtocol.ProcessChunk;
import dev.shoal.protocol.WorkerProtocol.ProcessChunks;
import java.lang.management.ManagementFactory;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PreRestart;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;

/**
 * A worker: pulls chunks from the coordinator and runs them, {@code slots} at a time, with more
 * waiting ({@link Prefetch}: {@code prefetch}, more when chunks are short) so that no slot idles for
 * a network round trip. Two phases, each
 * its own behaviour: active, then draining (on {@link Drain}: it takes nothing more, hands back
 * what has not started, finishes what runs, then leaves).
 *
 * <p>Guarantees: it asks only for what it can hold (see {@link WorkerDemand}); every chunk it accepts
 * gets exactly one {@link JobProtocol.ChunkProcessed} or, when it drains or stalls (its slots busy
 * with outliers while chunks wait, see {@link Prefetch}), one {@link JobProtocol.ChunkReturned}, or, when it holds more than {@code max-chunk-items} items, one {@link
 * JobProtocol.ChunkRefused} at once, nothing allocated from its size; a function never runs on the
 * actor thread, and a function that throws while its chunk is started fails that chunk's items, not
 * the worker. Its demand, restated every {@code heartbeat-interval}, is also its heartbeat. It
 * restarts on an exception of its own: it cancels what runs, tells the coordinator {@link
 * CoordinatorProtocol.WorkerRestarted} (which re-sends what it held, as for a lost worker) and
 * registers afresh; no result of a chunk from before the restart is sent.
 *
 * <p>Results that finish close together leave together: a finished chunk's results wait for a
 * {@link Flush} the worker sends itself, which reaches it behind what its mailbox already holds,
 * and then go to each job in one {@link JobProtocol.ChunksProcessed} (one {@link
 * JobProtocol.ChunkProcessed} when alone), followed by one demand for all of them, unless the last
 * demand asked for chunks that have not come yet, chunks run so short that it holds more than {@code
 * prefetch}, and the worker still has chunks to run: then the demand goes when they come ({@link
 * Prefetch#demandWaits}). When chunks run
 * so short that the worker holds more than {@code prefetch} of them ({@link
 * Prefetch#resultsWait}), results also wait while more than half of that queue is left, which
 * lasts about half of {@code prefetch-cover}, and never longer than {@code prefetch-cover} (a
 * timer): the demand for a refill still leaves with half the queue to run. A lone chunk's results,
 * and those of chunks that take longer, leave as soon as the worker has read its mailbox; results
 * are always sent before the worker says it leaves.
 *
 * <p>A chunk of a job jar ({@link ChunkTask#jar()}) that this worker lacks takes its slot while its
 * {@link JarFetcher} child fetches and loads the jar (once, for every chunk that waits for it); a jar
 * that cannot be had or loaded, or that lacks the chunk's function, refuses the chunk ({@link
 * JobProtocol.ChunkRefused}) and its job fails naming why; other jobs are unharmed.
 *
 * <p>Caveats: if the JVM dies, what it held is recovered by the coordinator (unreachability or lease
 * expiry), not by the worker. A worker that restarts while draining answers its drain at once and
 * starts over active; what it takes before its node stops is recovered as for a lost worker.
 */
public final class Worker extends AbstractBehavior<Command> {

  /** Stop taking work, hand back what has not started, finish what runs, then stop; {@code replyTo} hears when. */
  public record Drain(ActorRef<Done> replyTo) implements Command {}

  /**
   * The drain has run out of time ({@code shoal.worker.drain-timeout}): interrupt what still runs,
   * hand each of those chunks back to its job (it runs elsewhere at once) and stop; {@code replyTo}
   * hears when. Ignored unless draining.
   */
  public record AbandonDrain(ActorRef<Done> replyTo) implements Command {}

  private record ChunkDone(ProcessChunk chunk, ChunkResults results, long nanos) implements Command {}

  private record JarReady(JarFetcher.Obtained obtained) implements Command {}

  /** Send the results that finished since the last flush, and the demand they free, unless more are due soon. */
  private enum Flush implements Command {
    INSTANCE
  }

  /** Results have waited {@code prefetch-cover} for more: send them now. */
  private enum FlushNow implements Command {
    INSTANCE
  }

  /** A chunk whose slot is taken while its job jar is fetched or loaded. */
  private record AwaitingJar(ProcessChunk chunk, long startNanos) {}

  private enum Heartbeat implements Command {
    INSTANCE
  }

  /** A chunk on this worker: lease ids are numbered per job, so two jobs' chunks can share one. */
  private record LeaseKey(String jobId, long leaseId) {
    static LeaseKey of(ChunkTask task) {
      return new LeaseKey(task.jobId(), task.leaseId());
    }
  }

  public static Behavior<Command> create(
      ActorRef<CoordinatorProtocol.Command> coordinator,
      WorkerSettings settings,
      FunctionRegistry functions,
      WorkerExecutors executors,
      String node) {
    return Behaviors.supervise(Behaviors.<Command>setup(context -> Behaviors.withTimers(timers ->
            new Worker(context, timers, coordinator, settings, functions, executors, node))))
        .onFailure(SupervisorStrategy.restart());
  }

  private final ActorRef<CoordinatorProtocol.Command> coordinator;
  private final TimerScheduler<Command> timers;
  private final WorkerSettings settings;
  private final FunctionRegistry functions;
  private final List<FunctionInfo> functionInfos;
  private final WorkerExecutors executors;
  private final String node;
  private final ArrayDeque<ProcessChunk> queued = new ArrayDeque<>();
  /** Chunks started and not yet done; the runner is absent for a chunk that failed before it ran. */
  private final Map<LeaseKey, ChunkRunner> running = new HashMap<>();
  /** The chunks started here, by key, so that an abandoned drain can hand each back to its job. */
  private final Map<LeaseKey, ProcessChunk> started = new HashMap<>();
  private final Map<String, JsonNode> parsedArgs = new HashMap<>();
  private final ActorRef<JarFetcher.Command> jars;
  private final ActorRef<JarFetcher.Obtained> jarReady;
  /** The job jars whose functions this worker has at hand, the least recently used first, at most {@code jars.loaded}. */
  private final Map<String, PluginJars.Loaded> jarFunctions;
  /** Started chunks waiting for their jar, by its SHA-256. */
  private final Map<String, List<AwaitingJar>> awaitingJar = new HashMap<>();
  private final Prefetch prefetch;
  private final List<ActorRef<Done>> drainWaiters = new ArrayList<>();
  /** Results not yet sent, by the job they go to, in the order they finished. */
  private final Map<ActorRef<JobProtocol.Command>, List<JobProtocol.Processed>> outbox = new LinkedHashMap<>();
  /** A {@link Flush} is on its way to this worker. */
  private boolean flushDue;
  /** Chunks finished since the last demand: the next flush, or the next chunks to arrive, state demand. */
  private boolean demandDue;
  private long received;
  /** Items this worker has run since it started, for the coordinator's metrics. */
  private long itemsDone;
  /** The JVM's CPU load and heap in use, sampled once per heartbeat; the demands between heartbeats reuse them. */
  private double cpuLoad = -1;
  private long heapUsedBytes;

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
    this.timers = timers;
    this.settings = settings;
    this.functions = functions;
    this.functionInfos = functions.infos();
    this.executors = executors;
    this.node = node;
    this.prefetch = settings.newPrefetch();
    JarFetcher.Settings jarSettings = JarFetcher.Settings.fromConfig(context.getSystem().settings().config());
    this.jars = context.spawn(JarFetcher.create(coordinator, jarSettings), "jars");
    this.jarFunctions = new java.util.LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, PluginJars.Loaded> eldest) {
        return size() > jarSettings.loaded();
      }
    };
    this.jarReady = context.messageAdapter(JarFetcher.Obtained.class, JarReady::new);
    // registering again after a restart is harmless: the receptionist keeps one entry per actor
    context.getSystem().receptionist().tell(Receptionist.register(WorkerProtocol.WORKER_KEY, context.getSelf()));
    timers.startTimerWithFixedDelay(Heartbeat.INSTANCE, settings.heartbeatInterval());
    sampleJvm();
    sendDemand(false);
  }

  // --- active: taking and running chunks ---

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(ProcessChunk.class, this::onProcessChunk)
        .onMessage(ProcessChunks.class, this::onProcessChunks)
        .onMessage(ChunkDone.class, this::onChunkDone)
        .onMessageEquals(Flush.INSTANCE, this::onFlush)
        .onMessageEquals(FlushNow.INSTANCE, this::onFlushNow)
        .onMessage(JarReady.class, this::onJarReady)
        .onMessage(CancelJob.class, this::onCancelJob)
        .onMessageEquals(WorkerProtocol.Reregister.INSTANCE, this::onHeartbeat)
        .onMessageEquals(Heartbeat.INSTANCE, this::onHeartbeat)
        .onMessage(Drain.class, this::onDrain)
        .onSignal(PreRestart.class, this::onPreRestart)
        .build();
  }

  private Behavior<Command> onProcessChunk(ProcessChunk chunk) {
    take(chunk);
    return afterArrival();
  }

  private Behavior<Command> onProcessChunks(ProcessChunks chunks) {
    chunks.each().forEach(this::take);
    return afterArrival();
  }

  /** Starts what it can; a demand held back while these chunks were on their way ({@link Prefetch#demandWaits}) goes now. */
  private Behavior<Command> afterArrival() {
    startQueued();
    prefetch.arrived();
    if (demandDue) {
      sendDemand(false);
    }
    return this;
  }

  /** Queues a chunk, or refuses it at once if it is too large to hold. */
  private void take(ProcessChunk chunk) {
    received++;
    int size = chunk.task().items().size();
    if (size < 0 || size > settings.maxChunkItems()) {
      // refused before anything is sized from it: a typo in a chunk size must not cost the node
      chunk.replyTo().tell(new JobProtocol.ChunkRefused(chunk.task().leaseId(), "a chunk of " + size
          + " items exceeds shoal.worker.max-chunk-items (" + settings.maxChunkItems() + ") on worker " + node,
          getContext().getSelf()));
      sendDemand(false);
      return;
    }
    queued.add(chunk);
  }

  private Behavior<Command> onChunkDone(ChunkDone done) {
    if (!reply(done)) {
      return this;
    }
    startQueued();
    demandDue = true;
    return this;
  }

  private Behavior<Command> onFlush() {
    if (prefetch.resultsWait(queued.size(), settings.slots())) {
      // the next results come within half the queue's cover: they leave together, the refill demand with them
      flushDue = false;
      if (!timers.isTimerActive(FlushNow.INSTANCE)) {
        timers.startSingleTimer(FlushNow.INSTANCE, settings.prefetchCover());
      }
      return this;
    }
    return onFlushNow();
  }

  private Behavior<Command> onFlushNow() {
    flushReplies();
    if (demandDue && !prefetch.demandWaits(held())) {
      sendDemand(false);
    }
    return this;
  }

  private Behavior<Command> onJarReady(JarReady ready) {
    runAwaiting(ready.obtained());
    startQueued();
    sendDemand(false);
    return this;
  }

  private Behavior<Command> onCancelJob(CancelJob cancel) {
    cancel(cancel.jobId());
    sendDemand(false);
    return this;
  }

  private Behavior<Command> onHeartbeat() {
    sampleJvm();
    if (!queued.isEmpty() && started.size() >= settings.slots()) {
      if (prefetch.stallsAt(System.nanoTime())) {
        getContext().getLog().info("{} chunks waited {} ms behind slots that finished nothing: handed back for other "
            + "workers", queued.size(), prefetch.patienceNanos() / 1_000_000);
      }
      if (prefetch.stalled()) {
        // also what was on its way here when the worker stalled
        handBackQueued();
      }
    }
    sendDemand(false);
    return this;
  }

  private void handBackQueued() {
    queued.forEach(this::handBack);
    queued.clear();
  }

  private Behavior<Command> onDrain(Drain drain) {
    drainWaiters.add(drain.replyTo());
    handBackQueued();
    // a chunk still waiting for its jar has not started: it goes back too
    awaitingJar.values().forEach(waiting -> waiting.forEach(w -> {
      started.remove(LeaseKey.of(w.chunk().task()));
      handBack(w.chunk());
    }));
    awaitingJar.clear();
    sendDemand(true);
    return started.isEmpty() ? leave() : draining();
  }

  // --- draining: nothing new is taken; what runs finishes, then the worker leaves ---

  private Behavior<Command> draining() {
    return Behaviors.receive(Command.class)
        .onMessage(ProcessChunk.class, this::onProcessChunkWhileDraining)
        .onMessage(ProcessChunks.class, this::onProcessChunksWhileDraining)
        .onMessage(ChunkDone.class, this::onChunkDoneWhileDraining)
        .onMessageEquals(Flush.INSTANCE, this::onFlushWhileDraining)
        .onMessageEquals(FlushNow.INSTANCE, this::onFlushWhileDraining)
        .onMessage(JarReady.class, this::onJarReadyWhileDraining)
        .onMessage(CancelJob.class, this::onCancelJobWhileDraining)
        .onMessageEquals(WorkerProtocol.Reregister.INSTANCE, this::onHeartbeatWhileDraining)
        .onMessageEquals(Heartbeat.INSTANCE, this::onHeartbeatWhileDraining)
        .onMessage(Drain.class, this::onDrainWhileDraining)
        .onMessage(AbandonDrain.class, this::onAbandonDrain)
        .onSignal(PreRestart.class, this::onPreRestart)
        .build();
  }

  /** A chunk that crossed the drain on its way in goes straight back. */
  private Behavior<Command> onProcessChunkWhileDraining(ProcessChunk chunk) {
    received++;
    handBack(chunk);
    return Behaviors.same();
  }

  private Behavior<Command> onProcessChunksWhileDraining(ProcessChunks chunks) {
    chunks.each().forEach(this::onProcessChunkWhileDraining);
    return Behaviors.same();
  }

  /** A draining worker's demand is nil and stated by its heartbeat: only the results go. */
  private Behavior<Command> onFlushWhileDraining() {
    flushReplies();
    return Behaviors.same();
  }

  private Behavior<Command> onChunkDoneWhileDraining(ChunkDone done) {
    reply(done);
    return started.isEmpty() ? leave() : Behaviors.same();
  }

  /** Nothing waits for a jar while draining (the drain handed those chunks back): the jar is only kept. */
  private Behavior<Command> onJarReadyWhileDraining(JarReady ready) {
    runAwaiting(ready.obtained());
    return started.isEmpty() ? leave() : Behaviors.same();
  }

  private Behavior<Command> onCancelJobWhileDraining(CancelJob cancel) {
    cancel(cancel.jobId());
    return Behaviors.same();
  }

  private Behavior<Command> onHeartbeatWhileDraining() {
    sampleJvm();
    sendDemand(true);
    return Behaviors.same();
  }

  private Behavior<Command> onDrainWhileDraining(Drain drain) {
    drainWaiters.add(drain.replyTo());
    return Behaviors.same();
  }

  /** No result of an abandoned chunk is sent: its key is gone, so {@link #reply} drops a late one. */
  private Behavior<Command> onAbandonDrain(AbandonDrain abandon) {
    drainWaiters.add(abandon.replyTo());
    running.values().forEach(ChunkRunner::cancel);
    running.clear();
    started.values().forEach(this::handBack);
    getContext().getLog().info("drain timed out: {} running chunks interrupted and handed back", started.size());
    started.clear();
    return leave();
  }

  private Behavior<Command> leave() {
    // the jobs hear of these chunks before the coordinator tells them this worker left
    flushReplies();
    coordinator.tell(new CoordinatorProtocol.WorkerLeaving(getContext().getSelf()));
    getContext().getSystem().receptionist()
        .tell(Receptionist.deregister(WorkerProtocol.WORKER_KEY, getContext().getSelf()));
    drainWaiters.forEach(w -> w.tell(Done.getInstance()));
    return Behaviors.stopped();
  }

  // --- in either phase ---

  /**
   * This instance's state is about to be dropped: nothing it started may run on unseen, and the
   * coordinator must stop counting what it sent to it.
   */
  private Behavior<Command> onPreRestart(PreRestart signal) {
    running.values().forEach(ChunkRunner::cancel);
    coordinator.tell(new CoordinatorProtocol.WorkerRestarted(getContext().getSelf()));
    drainWaiters.forEach(w -> w.tell(Done.getInstance()));
    return Behaviors.same();
  }

  /** Sends a finished chunk's results; false if the chunk is not this instance's (it started before a restart). */
  private boolean reply(ChunkDone done) {
    LeaseKey key = LeaseKey.of(done.chunk().task());
    running.remove(key);
    if (started.remove(key) == null) {
      return false;
    }
    itemsDone += done.results().size();
    prefetch.observe(done.nanos());
    prefetch.progressed(System.nanoTime());
    outbox.computeIfAbsent(done.chunk().replyTo(), k -> new ArrayList<>())
        .add(new JobProtocol.Processed(done.chunk().task().leaseId(), done.results(), done.nanos()));
    if (!flushDue) {
      flushDue = true;
      getContext().getSelf().tell(Flush.INSTANCE);
    }
    return true;
  }

  /** Sends every result waiting in the outbox, one message per job. */
  private void flushReplies() {
    flushDue = false;
    timers.cancel(FlushNow.INSTANCE);
    ActorRef<Command> self = getContext().getSelf();
    outbox.forEach((job, results) -> job.tell(results.size() == 1
        ? results.get(0).from(self) : new JobProtocol.ChunksProcessed(results, self)));
    outbox.clear();
  }

  private void cancel(String jobId) {
    for (Iterator<ProcessChunk> it = queued.iterator(); it.hasNext(); ) {
      ProcessChunk c = it.next();
      if (c.task().jobId().equals(jobId)) {
        it.remove();
        answerCancelled(c);
      }
    }
    for (List<AwaitingJar> waiting : awaitingJar.values()) {
      for (Iterator<AwaitingJar> it = waiting.iterator(); it.hasNext(); ) {
        ProcessChunk c = it.next().chunk();
        if (c.task().jobId().equals(jobId)) {
          it.remove();
          started.remove(LeaseKey.of(c.task()));
          answerCancelled(c);
        }
      }
    }
    running.values().stream().filter(r -> r.jobId().equals(jobId)).forEach(ChunkRunner::cancel);
    parsedArgs.keySet().removeIf(k -> k.startsWith(jobId + "\u0000"));
  }

  /** A chunk of a cancelled job that never started: every item failed as cancelled. */
  private void answerCancelled(ProcessChunk c) {
    c.replyTo().tell(new JobProtocol.ChunkProcessed(c.task().leaseId(),
        ChunkResults.allFailed(c.task().items().size(), "Cancelled", "the job was cancelled"), 0, getContext().getSelf()));
  }

  /** A chunk handed back unrun, for its job to send elsewhere. */
  private void handBack(ProcessChunk c) {
    c.replyTo().tell(new JobProtocol.ChunkReturned(c.task().leaseId(), getContext().getSelf()));
  }

  private void startQueued() {
    while (started.size() < settings.slots() && !queued.isEmpty()) {
      ProcessChunk chunk = queued.poll();
      long startNanos = System.nanoTime();
      prefetch.progressed(startNanos);
      String jar = chunk.task().jar();
      if (jar != null && !jarFunctions.containsKey(jar)) {
        // the slot is taken while the jar comes: the chunk counts as started, for demand and for a drain
        started.put(LeaseKey.of(chunk.task()), chunk);
        List<AwaitingJar> waiting = awaitingJar.computeIfAbsent(jar, k -> new ArrayList<>());
        if (waiting.isEmpty()) {
          jars.tell(new JarFetcher.Obtain(jar, jarReady));
        }
        waiting.add(new AwaitingJar(chunk, startNanos));
        continue;
      }
      startOrRefuse(chunk, startNanos);
    }
  }

  /** Starts the chunks that waited for a jar, or refuses them all with the reason the jar cannot serve. */
  private void runAwaiting(JarFetcher.Obtained obtained) {
    if (obtained.functions() != null) {
      jarFunctions.put(obtained.sha256(), obtained.functions());
    }
    List<AwaitingJar> waiting = awaitingJar.remove(obtained.sha256());
    if (waiting == null) {
      return;
    }
    for (AwaitingJar w : waiting) {
      if (!started.containsKey(LeaseKey.of(w.chunk().task()))) {
        continue;
      }
      if (obtained.functions() == null) {
        refuse(w.chunk(), "job jar " + obtained.sha256() + " " + obtained.error());
      } else {
        startOrRefuse(w.chunk(), w.startNanos());
      }
    }
  }

  private void startOrRefuse(ProcessChunk chunk, long startNanos) {
    String jar = chunk.task().jar();
    PluginJars.Loaded loaded = jar == null ? null : jarFunctions.get(jar);
    if (loaded != null && loaded.find(chunk.task().function()).isEmpty()) {
      refuse(chunk, "job jar " + jar + " has no function '" + chunk.task().function() + "'; it has: "
          + String.join(", ", loaded.functions().stream().map(ShoalFunction::name).toList())
          + (loaded.problems().isEmpty() ? "" : " (" + String.join("; ", loaded.problems()) + ")"));
      return;
    }
    pipe(chunk, start(chunk.task()), startNanos);
  }

  /** A chunk this worker can never run: the job fails with {@code reason} rather than try another worker. */
  private void refuse(ProcessChunk chunk, String reason) {
    started.remove(LeaseKey.of(chunk.task()));
    chunk.replyTo().tell(new JobProtocol.ChunkRefused(chunk.task().leaseId(), reason, getContext().getSelf()));
  }

  /** Starts a chunk off the actor thread; a chunk that cannot run completes at once, every item failed. */
  private CompletableFuture<ChunkResults> start(ChunkTask task) {
    ShoalFunction fn = (task.jar() == null ? functions.find(task.function())
        : jarFunctions.get(task.jar()).find(task.function())).orElse(null);
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
    running.put(LeaseKey.of(task), runner);
    try {
      return runner.start();
    } catch (RuntimeException e) {
      // plugin code (its kind(), say) runs here on the actor thread: its failure is the chunk's, not the worker's
      return CompletableFuture.completedFuture(ChunkResults.allFailed(task.items().size(),
          e.getClass().getSimpleName(), String.valueOf(e.getMessage())));
    }
  }

  private void pipe(ProcessChunk chunk, CompletableFuture<ChunkResults> result, long startNanos) {
    started.put(LeaseKey.of(chunk.task()), chunk);
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

  private void sendDemand(boolean draining) {
    demandDue = false;
    int held = held();
    int wanted = draining ? 0 : Math.max(0, settings.slots() + prefetch.chunks(settings.slots()) - held);
    prefetch.demanded(wanted, settings.slots());
    coordinator.tell(new WorkerDemand(getContext().getSelf(), wanted, received, settings.slots(),
        started.size(), held, node, draining, functionInfos, load()));
  }

  /** Chunks here: queued and started. */
  private int held() {
    return queued.size() + started.size();
  }

  /** The JVM's figures: workers in one JVM report the same CPU and heap, which the coordinator counts once per node. */
  private CoordinatorProtocol.WorkerLoad load() {
    return new CoordinatorProtocol.WorkerLoad(cpuLoad, heapUsedBytes, itemsDone);
  }

  private void sampleJvm() {
    cpuLoad = ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
        ? os.getProcessCpuLoad() : -1;
    heapUsedBytes = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
