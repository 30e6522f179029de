package dev.shoal.coordinator;

import dev.shoal.api.ClusterView;
import dev.shoal.coordinator.durable.Durability;
import dev.shoal.coordinator.durable.JarStore;
import dev.shoal.coordinator.durable.JobRecord;
import dev.shoal.coordinator.durable.JobRegistry;
import dev.shoal.coordinator.job.ItemSource;
import dev.shoal.coordinator.job.JobDetail;
import dev.shoal.coordinator.job.JobIo;
import dev.shoal.api.JobRequest;
import dev.shoal.api.JobState;
import dev.shoal.api.JobStatus;
import dev.shoal.coordinator.job.RecentJobs;
import dev.shoal.coordinator.job.ResultSink;
import dev.shoal.protocol.CoordinatorProtocol;
import dev.shoal.protocol.CoordinatorProtocol.WorkerDemand;
import dev.shoal.protocol.CoordinatorProtocol.WorkerLeaving;
import dev.shoal.protocol.CoordinatorProtocol.WorkerRestarted;
import dev.shoal.api.FunctionInfo;
import dev.shoal.api.FunctionKind;
import dev.shoal.protocol.FunctionRegistry;
import dev.shoal.protocol.JarProtocol;
import dev.shoal.protocol.JobProtocol;
import dev.shoal.protocol.WorkerProtocol;
import java.util.Objects;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.PreRestart;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * The coordinator: accepts jobs, tracks workers and their demand, and offers free worker capacity
 * to jobs by priority, then first-in-first-out or by fair share ({@link SchedulingPolicy}). Each job is a child actor ({@link Job}) holding that job's state; the
 * coordinator holds only the queue, the workers and a bounded history of finished jobs. In a
 * cluster it runs as a Cluster Singleton on the nodes with the {@code coordinator} role.
 *
 * <p>The scheduling rules (credits, the offer in flight, isolation reservations, job order) live in
 * {@link Scheduler}; this actor routes messages to it and sends the offers it decides.
 *
 * <p>Guarantees: free slots go to the highest priority with work; within a priority, under fifo the
 * oldest job with work gets every free slot before a younger job gets any, under fair each job holds
 * its weight's share of the slots to within one chunk once earlier chunks have turned over; a
 * worker is taken for lost, and its chunks re-sent at once, when it terminates, when its node
 * becomes unreachable (about 2 s after a {@code kill -9}, without waiting for the node to be downed),
 * when it has not been heard from for {@code lease-timeout}, or when it says it restarted ({@link
 * WorkerRestarted}; it is then counted afresh from its next demand). It watches every job child: a job
 * whose actor throws (or stops before it ends) ends {@code FAILED} with the reason in its status,
 * its source and sink are closed (a client streaming its results sees that failure), the workers
 * are told to drop its chunks, the credits of an offer in flight to it and its isolation
 * reservations come back, and every other job goes on. The coordinator itself restarts on an
 * exception: its running jobs end {@code FAILED} (sinks closed) and workers, which keep stating
 * their demand to the same actor, are known again at their next heartbeat. A job over one of its
 * {@link dev.shoal.coordinator.job.JobLimits} is refused before it is spawned, one beyond {@code
 * max-queued-jobs} as overloaded, and a job's chunks keep to {@code max-chunk-bytes}.
 *
 * <p>Caveats: jobs are held in memory; when the singleton moves to a standby node, or the
 * coordinator restarts, running jobs are lost (ended {@code FAILED} where the sink can still be
 * closed) and workers re-register with the new coordinator. After a job's actor fails while an
 * offer was in flight to it, a worker may be sent once up to that offer's chunks more than it asked
 * for (see {@link Scheduler}).
 */
public final class Coordinator extends AbstractBehavior<CoordinatorProtocol.Command> {

  // --- commands from the edge (Java API, CLI, HTTP); same JVM, never serialized ---

  /**
   * Submits a job. {@code sinkFor} makes the job's sink once its id is known (the HTTP API names its
   * results file after it); it runs on the coordinator's thread, so it must not block.
   */
  public record SubmitJob(
      JobRequest request, ItemSource source, Function<String, ResultSink> sinkFor, StoredInput stored,
      ActorRef<SubmitReply> replyTo)
      implements CoordinatorProtocol.Command {
    /** Checked by the sender: a null reaching {@link #onSubmitJob} would restart the coordinator and fail every job. */
    public SubmitJob {
      Objects.requireNonNull(request, "request");
      Objects.requireNonNull(source, "source");
      Objects.requireNonNull(sinkFor, "sinkFor");
      Objects.requireNonNull(replyTo, "replyTo");
    }

    /** A job kept in memory only (the Java API, {@code shoal run}). */
    public SubmitJob(JobRequest request, ItemSource source, Function<String, ResultSink> sinkFor,
        ActorRef<SubmitReply> replyTo) {
      this(request, source, sinkFor, null, replyTo);
    }
  }

  /**
   * Where a durable job's items are, so that it can be read again after a restart: a range, the key
   * of items stored in the {@link dev.shoal.coordinator.durable.ItemStore}, or an upload.
   */
  public record StoredInput(String itemsKey, long rangeStart, long rangeEnd, boolean upload, List<String> items) {
    public static StoredInput range(long start, long end) {
      return new StoredInput(null, start, end, false, null);
    }

    public static StoredInput items(String key) {
      return new StoredInput(key, 0, 0, false, null);
    }

    /** A small job's items, kept in its journal record itself. */
    public static StoredInput inline(List<String> items) {
      return new StoredInput(null, 0, 0, false, List.copyOf(items));
    }

    public static StoredInput uploaded() {
      return new StoredInput(null, 0, 0, true, null);
    }
  }

  public record GetJob(String id, ActorRef<Optional<JobStatus>> replyTo) implements CoordinatorProtocol.Command {}

  public record ListJobs(ActorRef<List<JobStatus>> replyTo) implements CoordinatorProtocol.Command {}

  public record CancelJob(String id, ActorRef<Optional<JobStatus>> replyTo) implements CoordinatorProtocol.Command {}

  /** A job's {@link JobDetail}; kept for the newest {@link #DETAIL_HISTORY} finished jobs, a bare status for older ones. */
  public record GetJobDetail(String id, ActorRef<Optional<JobDetail>> replyTo) implements CoordinatorProtocol.Command {}

  /** The active jobs and the newest {@code finishedShown} finished ones, for the dashboard. */
  public record ListRecentJobs(int finishedShown, ActorRef<RecentJobs> replyTo) implements CoordinatorProtocol.Command {}

  public record GetCluster(ActorRef<ClusterView> replyTo) implements CoordinatorProtocol.Command {}

  public record ListFunctions(ActorRef<List<FunctionInfo>> replyTo) implements CoordinatorProtocol.Command {}

  /** The ids of the jobs not yet ended that run a function of jar {@code sha256}: it must not be deleted under them. */
  public record ListJobsOfJar(String sha256, ActorRef<List<String>> replyTo) implements CoordinatorProtocol.Command {}

  /** Replies to {@link SubmitJob}. */
  public sealed interface SubmitReply permits JobAccepted, JobRejected {}

  public record JobAccepted(String id) implements SubmitReply {}

  /**
   * The job was not taken: {@code overloaded} when only the number of jobs already held stood in its
   * way (the same job may be accepted later), else the job itself is at fault.
   */
  public record JobRejected(String reason, boolean overloaded) implements SubmitReply {}

  // --- from the job children ---

  record OfferUsed(String jobId, List<Job.Credit> leftover, boolean hasWork, boolean wantsIsolation)
      implements CoordinatorProtocol.Command {}

  record JobHasWork(String jobId, boolean hasWork, boolean wantsIsolation) implements CoordinatorProtocol.Command {}

  /** The job holds {@code chunks} chunks now; sent under fair scheduling, whose shares count them. */
  record JobHolds(String jobId, int chunks) implements CoordinatorProtocol.Command {}

  /** The job's suspect chunk on {@code worker} is answered, handed back or lost: the worker is free for all. */
  record IsolationDone(String jobId, ActorRef<WorkerProtocol.Command> worker) implements CoordinatorProtocol.Command {}

  record JobProgress(JobStatus status) implements CoordinatorProtocol.Command {}

  record JobFinished(JobStatus status, JobDetail detail) implements CoordinatorProtocol.Command {}

  // --- internal ---

  private record JobRecorded(JobRegistry.Added added) implements CoordinatorProtocol.Command {}

  private record Forgotten(JobRegistry.Forgotten forgotten) implements CoordinatorProtocol.Command {}

  /** Jobs out of the history are forgotten in batches of this many (or what a tick finds): one commit for them all. */
  static final int FORGET_BATCH = 64;

  private record JobsLoaded(JobRegistry.Jobs jobs) implements CoordinatorProtocol.Command {}

  private record WorkerTerminated(ActorRef<WorkerProtocol.Command> worker) implements CoordinatorProtocol.Command {}

  private record NodeUnreachable(Address address, String why) implements CoordinatorProtocol.Command {}

  private enum Tick implements CoordinatorProtocol.Command {
    INSTANCE
  }

  private static final String JOB_PREFIX = "job-";

  /** Finished jobs whose detail is kept: each holds up to a few hundred samples and errors. */
  public static final int DETAIL_HISTORY = 100;

  private static final class JobEntry {
    final ActorRef<JobProtocol.Command> ref;
    final JobIo io;
    /** The job jar of its function, null for an installed one. */
    final String jar;
    JobStatus last;

    JobEntry(ActorRef<JobProtocol.Command> ref, JobIo io, String jar, JobStatus first) {
      this.ref = ref;
      this.io = io;
      this.jar = jar;
      this.last = first;
    }
  }

  /** What the coordinator shows of a worker; its credits are the scheduler's. */
  private static final class WorkerEntry {
    WorkerDemand last;
    long lastSeen;

    WorkerEntry(WorkerDemand first) {
      this.last = first;
    }
  }

  /**
   * A coordinator that restarts on an exception. Its children (the HTTP edge, local workers) are
   * kept across a restart; only its job children, whose state died with it, are stopped.
   */
  public static Behavior<CoordinatorProtocol.Command> create(FunctionRegistry functions, CoordinatorSettings settings) {
    return Behaviors.supervise(Behaviors.<CoordinatorProtocol.Command>setup(context -> Behaviors.withTimers(
            timers -> new Coordinator(context, timers, functions, settings, null))))
        .onFailure(SupervisorStrategy.restart().withStopChildren(false));
  }

  /**
   * A durable coordinator: every job submitted with a {@link StoredInput} is in the journal before
   * it is accepted, and at its start (also after a restart, or on the standby that takes over) the
   * coordinator first recovers the jobs the journal holds, in their order, before it answers anything.
   */
  public static Behavior<CoordinatorProtocol.Command> create(FunctionRegistry functions, CoordinatorSettings settings,
      Durability durability) {
    return Behaviors.supervise(Behaviors.<CoordinatorProtocol.Command>setup(context -> Behaviors.withStash(RECOVERY_STASH,
            stash -> Behaviors.withTimers(timers ->
                new Coordinator(context, timers, functions, settings, durability).recovering(stash)))))
        .onFailure(SupervisorStrategy.restart().withStopChildren(false));
  }

  /** The job jars the jar server keeps in memory while workers fetch them. */
  private static final long JAR_SERVER_CACHE_BYTES = 128L << 20;

  /** Submissions and queries that come while the journal is read; they are answered right after. */
  private static final int RECOVERY_STASH = 100_000;

  private final FunctionRegistry functions;
  private final CoordinatorSettings settings;
  private final Executor sinkExecutor;
  private final boolean clustered;
  private final LinkedHashMap<String, JobEntry> jobs = new LinkedHashMap<>();
  private final LinkedHashMap<String, JobStatus> finished = new LinkedHashMap<>();
  private final LinkedHashMap<String, JobDetail> finishedDetail = new LinkedHashMap<>();
  private final Map<ActorRef<WorkerProtocol.Command>, WorkerEntry> workers = new HashMap<>();
  private final Scheduler<ActorRef<WorkerProtocol.Command>> scheduler;
  /** Null for a coordinator that keeps its jobs in memory only. */
  private final Durability durability;
  private final ActorRef<JobRegistry.Command> registry;
  /** Serves job jars to workers; null without durability (no jars are kept then). */
  private final ActorRef<JarServer.Command> jarServer;
  /** Durable jobs known (running or remembered), for recovery and for deleting what a forgotten job stored. */
  private final Map<String, JobRecord> records = new HashMap<>();
  /** Durable jobs out of the history, not yet forgotten: they go in one batch. */
  private final List<JobRecord> forgetting = new ArrayList<>();
  private final ActorRef<JobRegistry.Forgotten> forgottenAdapter;
  /** Submissions waiting for the journal before they are accepted. */
  private final Map<String, PendingSubmit> recording = new HashMap<>();

  private record PendingSubmit(SubmitJob submit, FunctionInfo fn, ResultSink sink, JobRecord record) {}

  private Coordinator(
      ActorContext<CoordinatorProtocol.Command> context,
      TimerScheduler<CoordinatorProtocol.Command> timers,
      FunctionRegistry functions,
      CoordinatorSettings settings,
      Durability durability) {
    super(context);
    this.durability = durability;
    this.registry = durability == null ? null : registryChild(context);
    this.forgottenAdapter = context.messageAdapter(JobRegistry.Forgotten.class, Forgotten::new);
    this.jarServer = durability == null ? null : jarServerChild(context, durability);
    this.functions = functions;
    this.settings = settings;
    this.sinkExecutor = context.getSystem().dispatchers().lookup(DispatcherSelector.blocking());
    this.clustered = "cluster".equals(context.getSystem().settings().config().getString("pekko.actor.provider"));
    this.scheduler = new Scheduler<>(settings.scheduling(), (jobId, worker) -> context.getLog().info(
        "job {}: emptying worker {} to run a chunk whose worker died alone on it", jobId, nodeOf(worker)));
    timers.startTimerWithFixedDelay(Tick.INSTANCE, settings.tick());
    if (clustered) {
      ActorRef<ClusterEvent.ReachabilityEvent> reach = context.messageAdapter(ClusterEvent.ReachabilityEvent.class,
          e -> new NodeUnreachable(e instanceof ClusterEvent.UnreachableMember ? e.member().address() : null, "unreachable"));
      ActorRef<ClusterEvent.MemberRemoved> removed = context.messageAdapter(ClusterEvent.MemberRemoved.class,
          e -> new NodeUnreachable(e.member().address(), "removed from the cluster"));
      Cluster cluster = Cluster.get(context.getSystem());
      cluster.subscriptions().tell(Subscribe.create(reach, ClusterEvent.ReachabilityEvent.class));
      cluster.subscriptions().tell(Subscribe.create(removed, ClusterEvent.MemberRemoved.class));
    }
    context.getLog().info("coordinator started ({} functions)", functions.all().size());
  }

  /** The journal's job list, kept across a restart of this actor like its other children. */
  @SuppressWarnings("unchecked")
  private static ActorRef<JobRegistry.Command> registryChild(ActorContext<CoordinatorProtocol.Command> context) {
    Optional<ActorRef<Void>> kept = context.getChild("registry");
    if (kept.isPresent()) {
      return (ActorRef<JobRegistry.Command>) (ActorRef<?>) kept.get();
    }
    ActorRef<JobRegistry.Command> r = context.spawn(JobRegistry.create(), "registry");
    context.watch(r);
    return r;
  }

  /** The jar server, kept across a restart of this actor; it restarts on its own failures, so it is not watched. */
  @SuppressWarnings("unchecked")
  private static ActorRef<JarServer.Command> jarServerChild(ActorContext<CoordinatorProtocol.Command> context,
      Durability durability) {
    Optional<ActorRef<Void>> kept = context.getChild("jars");
    if (kept.isPresent()) {
      return (ActorRef<JarServer.Command>) (ActorRef<?>) kept.get();
    }
    return context.spawn(JarServer.create(durability.jars(), JAR_SERVER_CACHE_BYTES), "jars");
  }

  /** Reads the journal's job list; everything else waits until every job in it runs again. */
  private Behavior<CoordinatorProtocol.Command> recovering(StashBuffer<CoordinatorProtocol.Command> stash) {
    long started = System.nanoTime();
    registry.tell(new JobRegistry.GetJobs(getContext().messageAdapter(JobRegistry.Jobs.class, JobsLoaded::new)));
    return Behaviors.receive(CoordinatorProtocol.Command.class)
        .onMessage(JobsLoaded.class, loaded -> {
          recover(loaded.jobs(), started);
          return stash.unstashAll(this);
        })
        .onSignal(ChildFailed.class, this::onRegistryFailed)
        .onAnyMessage(m -> {
          stash.stash(m);
          return Behaviors.same();
        })
        .build();
  }

  private Behavior<CoordinatorProtocol.Command> onRegistryFailed(ChildFailed failed) {
    // the journal cannot be read or written: nothing can be accepted durably; restart and read it again
    throw new IllegalStateException("the journal of jobs failed: " + failed.getCause().getMessage(), failed.getCause());
  }

  private void recover(JobRegistry.Jobs loaded, long startedNanos) {
    int running = 0;
    for (JobRegistry.Entry e : loaded.jobs()) {
      JobRecord r = e.job();
      records.put(r.id(), r);
      if (e.ended() != null) {
        durability.ended(r.id(), e.ended(), e.lines());
        remember(e.ended());
        continue;
      }
      ItemSource source;
      try {
        source = durability.source(r, settings.limits());
      } catch (RuntimeException ex) {
        JobStatus failed = JobStatus.queued(r.id(), r.request(), r.total(), r.submittedAt())
            .failedAt(System.currentTimeMillis(), ex.getMessage());
        durability.ended(r.id(), failed, durability.committedLines(r.id()));
        registry.tell(new JobRegistry.End(r.id(), failed, durability.committedLines(r.id())));
        remember(failed);
        continue;
      }
      spawnJob(r.id(), r.request(), r.kind(), source, durability.sinkFor(r.id()), r.submittedAt(), true, true);
      running++;
    }
    if (!loaded.jobs().isEmpty()) {
      getContext().getLog().info("recovered {} jobs from the journal ({} to run again) in {} ms", loaded.jobs().size(),
          running, (System.nanoTime() - startedNanos) / 1_000_000);
    }
    dispatch();
  }

  @Override
  public Receive<CoordinatorProtocol.Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(SubmitJob.class, this::onSubmitJob)
        .onMessage(GetJob.class, this::onGetJob)
        .onMessage(ListJobs.class, this::onListJobs)
        .onMessage(CancelJob.class, this::onCancelJob)
        .onMessage(GetJobDetail.class, this::onGetJobDetail)
        .onMessage(ListRecentJobs.class, this::onListRecentJobs)
        .onMessage(GetCluster.class, this::onGetCluster)
        .onMessage(ListFunctions.class, this::onListFunctions)
        .onMessage(ListJobsOfJar.class, this::onListJobsOfJar)
        .onMessage(JarProtocol.FetchJar.class, this::onFetchJar)
        .onMessage(WorkerDemand.class, this::onWorkerDemand)
        .onMessage(WorkerLeaving.class, this::onWorkerLeaving)
        .onMessage(WorkerRestarted.class, this::onWorkerRestarted)
        .onMessage(WorkerTerminated.class, this::onWorkerTerminated)
        .onMessage(NodeUnreachable.class, this::onNodeUnreachable)
        .onMessage(OfferUsed.class, this::onOfferUsed)
        .onMessage(JobHasWork.class, this::onJobHasWork)
        .onMessage(JobHolds.class, this::onJobHolds)
        .onMessage(IsolationDone.class, this::onIsolationDone)
        .onMessage(JobProgress.class, this::onJobProgress)
        .onMessage(JobFinished.class, this::onJobFinished)
        .onMessage(JobRecorded.class, this::onJobRecorded)
        .onMessage(Forgotten.class, this::onForgotten)
        .onMessageEquals(Tick.INSTANCE, this::onTick)
        .onSignal(ChildFailed.class, this::onChildFailed)
        .onSignal(Terminated.class, this::onChildStopped)
        .onSignal(PreRestart.class, this::onPreRestart)
        .onSignal(PostStop.class, this::onPostStop)
        .build();
  }

  private Behavior<CoordinatorProtocol.Command> onSubmitJob(SubmitJob submit) {
    Optional<String> overLimit = settings.limits().request(submit.request());
    if (overLimit.isPresent()) {
      submit.source().close();
      submit.replyTo().tell(new JobRejected(overLimit.get(), false));
      return this;
    }
    Optional<String> full = settings.limits().queue(jobs.size());
    if (full.isPresent()) {
      submit.source().close();
      submit.replyTo().tell(new JobRejected(full.get(), true));
      return this;
    }
    String jar = submit.request().jar();
    Optional<FunctionInfo> fn = jar == null ? function(submit.request().function()) : jarFunction(submit.request());
    if (fn.isEmpty()) {
      submit.source().close();
      submit.replyTo().tell(new JobRejected(jar == null
          ? "unknown function '" + submit.request().function() + "'; known: " + String.join(", ", knownFunctions().keySet())
          : jarProblem(submit.request()), false));
      return this;
    }
    String id = newJobId();
    ResultSink sink;
    try {
      sink = submit.sinkFor().apply(id);
    } catch (RuntimeException e) {
      submit.source().close();
      submit.replyTo().tell(new JobRejected("cannot store results: " + e.getMessage(), false));
      return this;
    }
    long now = System.currentTimeMillis();
    if (durability != null && submit.stored() != null) {
      StoredInput in = submit.stored();
      JobRecord record = new JobRecord(id, submit.request(), fn.get().kind(), in.itemsKey(), in.rangeStart(),
          in.rangeEnd(), in.upload(), submit.source().total(), now, in.items());
      // accepted only once it is in the journal: JobRecorded
      recording.put(id, new PendingSubmit(submit, fn.get(), sink, record));
      registry.tell(new JobRegistry.Add(record, getContext().messageAdapter(JobRegistry.Added.class, JobRecorded::new)));
      return this;
    }
    spawnJob(id, submit.request(), fn.get().kind(), submit.source(), sink, now, false, false);
    submit.replyTo().tell(new JobAccepted(id));
    dispatch();
    return this;
  }

  private Behavior<CoordinatorProtocol.Command> onJobRecorded(JobRecorded recorded) {
    PendingSubmit p = recording.remove(recorded.added().id());
    if (p == null) {
      return this;
    }
    records.put(p.record().id(), p.record());
    spawnJob(p.record().id(), p.submit().request(), p.fn().kind(), p.submit().source(), p.sink(), p.record().submittedAt(),
        true, false);
    p.submit().replyTo().tell(new JobAccepted(p.record().id()));
    dispatch();
    return this;
  }

  private void spawnJob(String id, JobRequest request, FunctionKind kind, ItemSource source, ResultSink sink,
      long submittedAt, boolean durable, boolean recovered) {
    JobIo io = new JobIo(settings.limits().bounded(source), sink, sinkExecutor);
    JobStatus first = JobStatus.queued(id, request, source.total(), submittedAt);
    Behavior<JobProtocol.Command> behavior = durable
        ? Job.createDurable(id, request, kind, io, getContext().getSelf(), settings, submittedAt, recovered)
        : Job.create(id, request, kind, io, getContext().getSelf(), settings);
    ActorRef<JobProtocol.Command> ref = getContext().spawn(behavior, JOB_PREFIX + id);
    getContext().watch(ref);
    jobs.put(id, new JobEntry(ref, io, request.jar(), first));
    settings.metrics().jobChanged(null, first);
    scheduler.jobAdded(id, request.scheduling().priority(), request.scheduling().weight());
    getContext().getLog().info("job {} {}: {} over {} items", id, durable ? "accepted (journaled)" : "submitted",
        request.function(), source.total() < 0 ? "a stream of" : String.valueOf(source.total()));
  }

  private Behavior<CoordinatorProtocol.Command> onGetJob(GetJob get) {
    JobEntry entry = jobs.get(get.id());
    if (entry != null) {
      entry.ref.tell(new Job.GetStatus(statusRelay(entry.ref, get.id(), get.replyTo())));
    } else {
      get.replyTo().tell(Optional.ofNullable(finished.get(get.id())));
    }
    return this;
  }

  private Behavior<CoordinatorProtocol.Command> onListJobs(ListJobs list) {
    List<JobStatus> all = new ArrayList<>(jobs.size() + finished.size());
    jobs.values().forEach(e -> all.add(e.last));
    all.addAll(finished.values());
    all.sort(Comparator.comparingLong(JobStatus::submittedAt).reversed());
    list.replyTo().tell(all);
    return this;
  }

  private Behavior<CoordinatorProtocol.Command> onCancelJob(CancelJob cancel) {
    JobEntry entry = jobs.get(cancel.id());
    if (entry != null) {
      entry.ref.tell(new Job.Cancel(statusRelay(entry.ref, cancel.id(), cancel.replyTo())));
    } else {
      cancel.replyTo().tell(Optional.ofNullable(finished.get(cancel.id())));
    }
    return this;
  }

  private Behavior<CoordinatorProtocol.Command> onGetJobDetail(GetJobDetail get) {
    JobEntry entry = jobs.get(get.id());
    if (entry != null) {
      entry.ref.tell(new Job.GetDetail(relay(entry.ref, JobDetail.class, get.replyTo(), new GetJobDetail(get.id(), get.replyTo()))));
    } else {
      JobDetail kept = finishedDetail.get(get.id());
      get.replyTo().tell(kept != null ? Optional.of(kept) : Optional.ofNullable(finished.get(get.id())).map(JobDetail::of));
    }
    return this;
  }

  private Behavior<CoordinatorProtocol.Command> onListRecentJobs(ListRecentJobs list) {
    list.replyTo().tell(RecentJobs.of(jobs.values().stream().map(e -> e.last).toList(), finished.values(),
        list.finishedShown()));
    return this;
  }

  private ActorRef<JobStatus> statusRelay(ActorRef<JobProtocol.Command> job, String id,
      ActorRef<Optional<JobStatus>> replyTo) {
    return relay(job, JobStatus.class, replyTo, new GetJob(id, replyTo));
  }

  /**
   * Passes a job's answer on to {@code replyTo}. A job that stops before it answers (it was just
   * finishing) has told the coordinator its final state first, so the relay then sends {@code
   * askAgain} to the coordinator instead of leaving the caller to time out.
   */
  private <T> ActorRef<T> relay(ActorRef<JobProtocol.Command> job, Class<T> type, ActorRef<Optional<T>> replyTo,
      CoordinatorProtocol.Command askAgain) {
    ActorRef<CoordinatorProtocol.Command> self = getContext().getSelf();
    return getContext().spawnAnonymous(Behaviors.<T>setup(context -> {
      context.watch(job);
      return Behaviors.<T>receive(type)
          .onMessage(type, s -> {
            replyTo.tell(Optional.of(s));
            return Behaviors.stopped();
          })
          .onSignal(org.apache.pekko.actor.typed.Terminated.class, t -> {
            self.tell(askAgain);
            return Behaviors.stopped();
          })
          .build();
    }));
  }

  private Behavior<CoordinatorProtocol.Command> onGetCluster(GetCluster get) {
    long now = System.currentTimeMillis();
    List<ClusterView.WorkerView> ws = workers.entrySet().stream()
        .map(e -> new ClusterView.WorkerView(e.getValue().last.node(), e.getKey().path().toString(),
            e.getValue().last.slots(), e.getValue().last.busy(), scheduler.holding(e.getKey()),
            e.getValue().last.draining(), now - e.getValue().lastSeen,
            e.getValue().last.load() == null ? -1 : e.getValue().last.load().itemsDone()))
        .sorted(Comparator.comparing(ClusterView.WorkerView::node).thenComparing(ClusterView.WorkerView::path))
        .toList();
    List<ClusterView.Member> members = new ArrayList<>();
    String self = "local";
    if (clustered) {
      Cluster cluster = Cluster.get(getContext().getSystem());
      self = cluster.selfMember().address().toString();
      var unreachable = cluster.state().getUnreachable();
      for (org.apache.pekko.cluster.Member m : StreamSupport.stream(cluster.state().getMembers().spliterator(), false).toList()) {
        members.add(new ClusterView.Member(m.address().toString(), m.getRoles().stream().sorted().toList(),
            m.status().toString(), !unreachable.contains(m)));
      }
    } else {
      members.add(new ClusterView.Member("local", List.of("coordinator", "worker"), "Up", true));
    }
    get.replyTo().tell(new ClusterView(self, members, ws));
    return this;
  }

  private Behavior<CoordinatorProtocol.Command> onListJobsOfJar(ListJobsOfJar list) {
    List<String> ids = new ArrayList<>();
    jobs.forEach((id, entry) -> {
      if (list.sha256().equals(entry.jar)) {
        ids.add(id);
      }
    });
    recording.forEach((id, pending) -> {
      if (list.sha256().equals(pending.submit().request().jar())) {
        ids.add(id);
      }
    });
    list.replyTo().tell(ids);
    return this;
  }

  private Behavior<CoordinatorProtocol.Command> onFetchJar(JarProtocol.FetchJar fetch) {
    if (jarServer == null) {
      fetch.replyTo().tell(JarProtocol.JarPart.failed(fetch.sha256(), "this coordinator keeps no job jars"));
    } else {
      jarServer.tell(new JarServer.Serve(fetch));
    }
    return this;
  }

  private Behavior<CoordinatorProtocol.Command> onListFunctions(ListFunctions list) {
    list.replyTo().tell(new ArrayList<>(knownFunctions().values()));
    return this;
  }

  private Behavior<CoordinatorProtocol.Command> onWorkerDemand(WorkerDemand demand) {
    WorkerEntry w = workers.get(demand.worker());
    if (w == null) {
      w = new WorkerEntry(demand);
      workers.put(demand.worker(), w);
      getContext().watchWith(demand.worker(), new WorkerTerminated(demand.worker()));
      getContext().getLog().info("worker joined: {} ({} slots) at {}", demand.node(), demand.slots(),
          demand.worker().path());
    }
    w.last = demand;
    w.lastSeen = System.currentTimeMillis();
    settings.metrics().worker(demand.worker(), demand);
    scheduler.demand(demand.worker(), demand.wanted(), demand.received(), demand.slots(), demand.held(),
        demand.draining());
    dispatch();
    return this;
  }

  private Behavior<CoordinatorProtocol.Command> onWorkerLeaving(WorkerLeaving leaving) {
    WorkerEntry w = workers.remove(leaving.worker());
    scheduler.workerGone(leaving.worker());
    settings.metrics().workerGone(leaving.worker(), false);
    if (w != null) {
      getContext().unwatch(leaving.worker());
      getContext().getLog().info("worker left after draining: {}", w.last.node());
      // chunks offered before its drain was known here reach a stopped actor: the jobs send them again
      jobs.values().forEach(j -> j.ref.tell(new Job.WorkerLeft(leaving.worker())));
      dispatch();
    }
    return this;
  }

  /** Its chunks count as lost (so poison isolation applies if one of them made it throw); its next demand re-registers it. */
  private Behavior<CoordinatorProtocol.Command> onWorkerRestarted(WorkerRestarted restarted) {
    lost(restarted.worker(), "restarted after an internal error");
    dispatch();
    return this;
  }

  private Behavior<CoordinatorProtocol.Command> onWorkerTerminated(WorkerTerminated t) {
    lost(t.worker(), "terminated");
    return this;
  }

  private Behavior<CoordinatorProtocol.Command> onNodeUnreachable(NodeUnreachable u) {
    if (u.address() == null) {
      return this;
    }
    List<ActorRef<WorkerProtocol.Command>> gone = workers.keySet().stream()
        .filter(w -> u.address().equals(w.path().address()))
        .collect(Collectors.toList());
    gone.forEach(w -> lost(w, "node " + u.why()));
    return this;
  }

  private Behavior<CoordinatorProtocol.Command> onOfferUsed(OfferUsed used) {
    scheduler.offerAnswered(used.jobId(), used.leftover().stream()
        .map(c -> new Scheduler.Credit<>(c.worker(), c.chunks())).toList(), used.hasWork(), used.wantsIsolation());
    dispatch();
    return this;
  }

  private Behavior<CoordinatorProtocol.Command> onJobHasWork(JobHasWork has) {
    scheduler.jobWork(has.jobId(), has.hasWork(), has.wantsIsolation());
    dispatch();
    return this;
  }

  private Behavior<CoordinatorProtocol.Command> onJobHolds(JobHolds holds) {
    scheduler.jobHolds(holds.jobId(), holds.chunks());
    dispatch();
    return this;
  }

  private Behavior<CoordinatorProtocol.Command> onIsolationDone(IsolationDone done) {
    scheduler.isolationDone(done.jobId(), done.worker());
    dispatch();
    return this;
  }

  private Behavior<CoordinatorProtocol.Command> onJobProgress(JobProgress progress) {
    JobEntry entry = jobs.get(progress.status().id());
    if (entry != null) {
      settings.metrics().jobChanged(entry.last, progress.status());
      entry.last = progress.status();
    }
    return this;
  }

  private Behavior<CoordinatorProtocol.Command> onJobFinished(JobFinished fin) {
    JobStatus s = fin.status();
    JobEntry entry = jobs.remove(s.id());
    if (entry != null) {
      settings.metrics().jobChanged(entry.last, s);
    }
    // an offer still in flight to it was sent after its last answer: it never saw it, so it all comes back
    scheduler.jobEnded(s.id());
    journalEnd(s);
    remember(s);
    rememberDetail(fin.detail());
    getContext().getLog().info("job {} {}: {} items, {} errors, {} ms", s.id(), s.state(), s.done(), s.errors(),
        s.jobMillis());
    dispatch();
    return this;
  }

  private Behavior<CoordinatorProtocol.Command> onChildFailed(ChildFailed failed) {
    if (failed.getRef().equals(registry)) {
      return onRegistryFailed(failed);
    }
    Throwable cause = failed.getCause();
    String reason = "the job failed in the coordinator: " + cause.getClass().getSimpleName()
        + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
    return jobStopped(failed.getRef(), reason);
  }

  /** A job child stopped. One that ended normally has said so first (JobFinished) and is forgotten already. */
  private Behavior<CoordinatorProtocol.Command> onChildStopped(Terminated t) {
    return jobStopped(t.getRef(), "the job's actor stopped before the job ended");
  }

  private Behavior<CoordinatorProtocol.Command> jobStopped(ActorRef<Void> child, String reason) {
    String name = child.path().name();
    JobEntry entry = name.startsWith(JOB_PREFIX) ? jobs.remove(name.substring(JOB_PREFIX.length())) : null;
    if (entry == null) {
      return this;
    }
    String id = entry.last.id();
    scheduler.jobEnded(id);
    // its chunks would run for nobody; the workers' next demand hands that capacity back
    workers.keySet().forEach(w -> w.tell(new WorkerProtocol.CancelJob(id)));
    JobStatus s = endFailed(entry, reason);
    getContext().getLog().error("job {} {}: {}", id, s.state(), s.message());
    dispatch();
    return this;
  }

  /**
   * Ends a job whose actor is gone: closes its source and sink with a FAILED status. A job that had
   * already begun closing its sink keeps the status it closed with: that is what its clients saw.
   */
  private JobStatus endFailed(JobEntry entry, String reason) {
    JobStatus l = entry.last;
    long now = System.currentTimeMillis();
    JobStatus failed = l.failedAt(now, reason);
    JobStatus s = entry.io.close(failed) ? failed : entry.io.closedWith();
    settings.metrics().jobChanged(l, s);
    journalEnd(s);
    remember(s);
    return s;
  }

  /**
   * Before a restart: the jobs' state dies with this instance, so their children stop. A durable
   * job is not ended: the restarted coordinator recovers it from the journal, into the same sink, so
   * its readers go on. A job kept in memory ends FAILED.
   */
  private Behavior<CoordinatorProtocol.Command> onPreRestart(PreRestart signal) {
    if (durability != null) {
      jobs.values().forEach(entry -> {
        getContext().unwatch(entry.ref);
        getContext().stop(entry.ref);
        workers.keySet().forEach(w -> w.tell(new WorkerProtocol.CancelJob(entry.last.id())));
      });
      jobs.clear();
      settings.metrics().workersForgotten();
      return this;
    }
    for (JobEntry entry : jobs.values()) {
      getContext().unwatch(entry.ref);
      getContext().stop(entry.ref);
      workers.keySet().forEach(w -> w.tell(new WorkerProtocol.CancelJob(entry.last.id())));
      endFailed(entry, "the coordinator restarted after an internal error; the job was lost");
    }
    jobs.clear();
    settings.metrics().workersForgotten();
    return this;
  }

  private Behavior<CoordinatorProtocol.Command> onPostStop(PostStop signal) {
    if (durability != null) {
      // durable jobs go on where the journal is read next: this node restarted, or the standby
      jobs.clear();
      settings.metrics().workersForgotten();
      return this;
    }
    // the job children stop with it: close their sinks, so no client waits for results that cannot come
    jobs.values().forEach(e -> endFailed(e, "the coordinator stopped; the job was lost"));
    jobs.clear();
    settings.metrics().workersForgotten();
    return this;
  }

  private void remember(JobStatus s) {
    finished.put(s.id(), s);
    settings.metrics().jobEnded(s);
    for (Iterator<String> it = finished.keySet().iterator(); finished.size() > settings.history() && it.hasNext(); ) {
      String old = it.next();
      settings.metrics().jobForgotten(old);
      it.remove();
      forgetStored(old);
    }
  }

  /** A durable job's end goes into the journal, with the result lines its readers can have. */
  private void journalEnd(JobStatus s) {
    if (durability != null && records.containsKey(s.id())) {
      records.computeIfPresent(s.id(), (id, r) -> r.withoutItems());
      registry.tell(new JobRegistry.End(s.id(), s, durability.committedLines(s.id())));
    }
  }

  /**
   * A durable job out of the history: its entry, results and items are deleted, off this thread,
   * together with others': a batch once {@value #FORGET_BATCH} are waiting, or at the next tick.
   */
  private void forgetStored(String id) {
    JobRecord r = records.remove(id);
    if (r == null) {
      return;
    }
    forgetting.add(r);
    if (forgetting.size() >= FORGET_BATCH) {
      forgetWaiting();
    }
  }

  /**
   * The jobs waiting to be forgotten leave the journal's list first, and what they stored goes once
   * that is recorded: a crash between the two leaves files behind, never a listed job without them.
   */
  private void forgetWaiting() {
    if (forgetting.isEmpty()) {
      return;
    }
    registry.tell(new JobRegistry.Forget(List.copyOf(forgetting), forgottenAdapter));
    forgetting.clear();
  }

  private Behavior<CoordinatorProtocol.Command> onForgotten(Forgotten forgotten) {
    List<JobRecord> gone = forgotten.forgotten().jobs();
    sinkExecutor.execute(() -> {
      try {
        durability.forget(gone);
      } catch (RuntimeException e) {
        getContext().getSystem().log().warn("{} jobs out of the history: cannot delete what they stored: {}",
            gone.size(), e.getMessage());
      }
    });
    return this;
  }

  private void rememberDetail(JobDetail detail) {
    finishedDetail.put(detail.status().id(), detail);
    int keep = Math.min(settings.history(), DETAIL_HISTORY);
    for (Iterator<String> it = finishedDetail.keySet().iterator(); finishedDetail.size() > keep && it.hasNext(); ) {
      it.next();
      it.remove();
    }
  }

  private Behavior<CoordinatorProtocol.Command> onTick() {
    long now = System.currentTimeMillis();
    long limit = settings.leaseTimeout().toMillis();
    List<ActorRef<WorkerProtocol.Command>> expired = workers.entrySet().stream()
        .filter(e -> e.getKey().path().address().hasGlobalScope() && now - e.getValue().lastSeen > limit)
        .map(Map.Entry::getKey)
        .toList();
    expired.forEach(w -> lost(w, "silent for over " + limit + " ms (lease expired)"));
    forgetWaiting();
    dispatch();
    return this;
  }

  private void lost(ActorRef<WorkerProtocol.Command> worker, String why) {
    WorkerEntry w = workers.remove(worker);
    scheduler.workerGone(worker);
    settings.metrics().workerGone(worker, w != null);
    if (w == null) {
      return;
    }
    getContext().unwatch(worker);
    getContext().getLog().warn("worker lost: {} ({}); re-sending its chunks", w.last.node(), why);
    // the re-registering worker is told to start over, so its counters match the new entry
    worker.tell(WorkerProtocol.Reregister.INSTANCE);
    jobs.values().forEach(j -> j.ref.tell(new Job.WorkerLost(worker)));
  }

  /** Sends the offer the scheduler decides, if any; it keeps one in flight at a time, which keeps FIFO exact. */
  private void dispatch() {
    scheduler.next().ifPresent(offer -> {
      JobEntry job = jobs.get(offer.jobId());
      List<Job.Credit> credits = offer.credits().stream().map(c -> new Job.Credit(c.worker(), c.chunks())).toList();
      job.ref.tell(new Job.Offer(credits, offer.slots(), offer.isolated()));
    });
  }

  private String nodeOf(ActorRef<WorkerProtocol.Command> worker) {
    WorkerEntry w = workers.get(worker);
    return w == null ? worker.path().toString() : w.last.node();
  }

  private Optional<FunctionInfo> function(String name) {
    return Optional.ofNullable(knownFunctions().get(name));
  }

  /** The function of a job jar the HTTP API has already found in the store (it primes the store's memory). */
  private Optional<FunctionInfo> jarFunction(JobRequest request) {
    return durability == null ? Optional.empty()
        : durability.jars().known(request.jar()).flatMap(j -> j.function(request.function()));
  }

  private String jarProblem(JobRequest request) {
    if (durability == null) {
      return "this coordinator keeps no job jars: it runs the functions on its class path only";
    }
    return durability.jars().known(request.jar())
        .map(j -> JarStore.lacksFunction(j, request.function()))
        .orElse(JarStore.noSuchJar(request.jar()));
  }

  /** The coordinator's own functions and every function a connected worker advertises. */
  private Map<String, FunctionInfo> knownFunctions() {
    Map<String, FunctionInfo> all = new TreeMap<>();
    for (FunctionInfo f : functions.infos()) {
      all.put(f.name(), f);
    }
    for (WorkerEntry w : workers.values()) {
      for (FunctionInfo f : w.last.functions()) {
        all.putIfAbsent(f.name(), f);
      }
    }
    return all;
  }

  private String newJobId() {
    String id;
    do {
      id = UUID.randomUUID().toString().substring(0, 8);
    } while (jobs.containsKey(id) || finished.containsKey(id) || recording.containsKey(id) || records.containsKey(id));
    return id;
  }

}
