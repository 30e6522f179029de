package dev.shoal.coordinator;

import dev.shoal.coordinator.job.ItemSource;
import dev.shoal.coordinator.job.JobRequest;
import dev.shoal.coordinator.job.JobStatus;
import dev.shoal.coordinator.job.ResultSink;
import dev.shoal.protocol.CoordinatorProtocol;
import dev.shoal.protocol.CoordinatorProtocol.WorkerDemand;
import dev.shoal.protocol.CoordinatorProtocol.WorkerLeaving;
import dev.shoal.protocol.FunctionInfo;
import dev.shoal.protocol.FunctionRegistry;
import dev.shoal.protocol.JobProtocol;
import dev.shoal.protocol.WorkerProtocol;
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
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * The coordinator: accepts jobs, tracks workers and their demand, and offers free worker capacity
 * to jobs first-in-first-out. Each job is a child actor ({@link Job}) holding that job's state; the
 * coordinator holds only the queue, the workers and a bounded history of finished jobs. In a
 * cluster it runs as a Cluster Singleton on the nodes with the {@code coordinator} role.
 *
 * <p>Guarantees: the oldest job with work gets every free slot before a younger job gets any; a
 * worker is taken for lost, and its chunks re-sent at once, when it terminates, when its node
 * becomes unreachable (about 2 s after a {@code kill -9}, without waiting for the node to be downed)
 * or when it has not been heard from for {@code lease-timeout}. A job over one of its {@link
 * dev.shoal.coordinator.job.JobLimits} is refused before it is spawned, one beyond {@code
 * max-queued-jobs} as overloaded, and a job's chunks keep to {@code max-chunk-bytes}.
 *
 * <p>Caveats: jobs are held in memory; when the singleton moves to a standby node, running jobs
 * are lost and workers re-register with the new coordinator.
 */
public final class Coordinator extends AbstractBehavior<CoordinatorProtocol.Command> {

  // --- commands from the edge (Java API, CLI, HTTP); same JVM, never serialized ---

  /**
   * Submits a job. {@code sinkFor} makes the job's sink once its id is known (the HTTP API names its
   * results file after it); it runs on the coordinator's thread, so it must not block.
   */
  public record SubmitJob(
      JobRequest request, ItemSource source, Function<String, ResultSink> sinkFor, ActorRef<SubmitReply> replyTo)
      implements CoordinatorProtocol.Command {}

  public record GetJob(String id, ActorRef<Optional<JobStatus>> replyTo) implements CoordinatorProtocol.Command {}

  public record ListJobs(ActorRef<List<JobStatus>> replyTo) implements CoordinatorProtocol.Command {}

  public record CancelJob(String id, ActorRef<Optional<JobStatus>> replyTo) implements CoordinatorProtocol.Command {}

  public record GetCluster(ActorRef<ClusterView> replyTo) implements CoordinatorProtocol.Command {}

  public record ListFunctions(ActorRef<List<FunctionInfo>> replyTo) implements CoordinatorProtocol.Command {}

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

  /** The job's suspect chunk on {@code worker} is answered, handed back or lost: the worker is free for all. */
  record IsolationDone(String jobId, ActorRef<WorkerProtocol.Command> worker) implements CoordinatorProtocol.Command {}

  record JobProgress(JobStatus status) implements CoordinatorProtocol.Command {}

  record JobFinished(JobStatus status) implements CoordinatorProtocol.Command {}

  // --- internal ---

  private record WorkerTerminated(ActorRef<WorkerProtocol.Command> worker) implements CoordinatorProtocol.Command {}

  private record NodeUnreachable(Address address, String why) implements CoordinatorProtocol.Command {}

  private enum Tick implements CoordinatorProtocol.Command {
    INSTANCE
  }

  private static final class JobEntry {
    final ActorRef<JobProtocol.Command> ref;
    boolean hasWork = true;
    boolean wantsIsolation;
    JobStatus last;

    JobEntry(ActorRef<JobProtocol.Command> ref, JobStatus first) {
      this.ref = ref;
      this.last = first;
    }
  }

  private static final class WorkerEntry {
    final ActorRef<WorkerProtocol.Command> ref;
    WorkerDemand last;
    long sent;
    long lastSeen;
    /** The job this worker is being emptied for, to run that job's suspect chunk alone; null if none. */
    String reservedFor;
    boolean isolationRunning;

    WorkerEntry(ActorRef<WorkerProtocol.Command> ref, WorkerDemand first) {
      this.ref = ref;
      this.last = first;
      this.sent = first.received();
    }

    int credits() {
      return last.draining() || reservedFor != null ? 0 : (int) Math.max(0, last.wanted() - (sent - last.received()));
    }

    /** Holds nothing and has nothing on the way. */
    boolean idle() {
      return sent == last.received() && last.held() == 0;
    }

    long held() {
      return sent - last.received() + last.held();
    }
  }

  public static Behavior<CoordinatorProtocol.Command> create(FunctionRegistry functions, CoordinatorSettings settings) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> new Coordinator(context, timers, functions, settings)));
  }

  private final FunctionRegistry functions;
  private final CoordinatorSettings settings;
  private final Executor sinkExecutor;
  private final boolean clustered;
  private final LinkedHashMap<String, JobEntry> jobs = new LinkedHashMap<>();
  private final LinkedHashMap<String, JobStatus> finished = new LinkedHashMap<>();
  private final Map<ActorRef<WorkerProtocol.Command>, WorkerEntry> workers = new HashMap<>();
  private String offerTo;
  /** The credits of the offer in flight, given back to their workers if its job stops without answering. */
  private List<Job.Credit> offered = List.of();

  private Coordinator(
      ActorContext<CoordinatorProtocol.Command> context,
      TimerScheduler<CoordinatorProtocol.Command> timers,
      FunctionRegistry functions,
      CoordinatorSettings settings) {
    super(context);
    this.functions = functions;
    this.settings = settings;
    this.sinkExecutor = context.getSystem().dispatchers().lookup(DispatcherSelector.blocking());
    this.clustered = "cluster".equals(context.getSystem().settings().config().getString("pekko.actor.provider"));
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

  @Override
  public Receive<CoordinatorProtocol.Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(SubmitJob.class, this::onSubmitJob)
        .onMessage(GetJob.class, this::onGetJob)
        .onMessage(ListJobs.class, this::onListJobs)
        .onMessage(CancelJob.class, this::onCancelJob)
        .onMessage(GetCluster.class, this::onGetCluster)
        .onMessage(ListFunctions.class, this::onListFunctions)
        .onMessage(WorkerDemand.class, this::onWorkerDemand)
        .onMessage(WorkerLeaving.class, this::onWorkerLeaving)
        .onMessage(WorkerTerminated.class, this::onWorkerTerminated)
        .onMessage(NodeUnreachable.class, this::onNodeUnreachable)
        .onMessage(OfferUsed.class, this::onOfferUsed)
        .onMessage(JobHasWork.class, this::onJobHasWork)
        .onMessage(IsolationDone.class, this::onIsolationDone)
        .onMessage(JobProgress.class, this::onJobProgress)
        .onMessage(JobFinished.class, this::onJobFinished)
        .onMessageEquals(Tick.INSTANCE, this::onTick)
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
    Optional<FunctionInfo> fn = function(submit.request().function());
    if (fn.isEmpty()) {
      submit.source().close();
      submit.replyTo().tell(new JobRejected("unknown function '" + submit.request().function() + "'; known: "
          + String.join(", ", knownFunctions().keySet()), false));
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
    ActorRef<JobProtocol.Command> ref = getContext().spawn(
        Job.create(id, submit.request(), fn.get().kind(), settings.limits().bounded(submit.source()), sink,
            sinkExecutor, getContext().getSelf(), settings),
        "job-" + id);
    long now = System.currentTimeMillis();
    JobStatus first = new JobStatus(id, submit.request().function(), dev.shoal.coordinator.job.JobState.QUEUED,
        submit.source().total(), 0, 0, now, 0, 0, 0, 0, submit.request().ordered(), null);
    jobs.put(id, new JobEntry(ref, first));
    getContext().getLog().info("job {} submitted: {} over {} items", id, submit.request().function(),
        submit.source().total() < 0 ? "a stream of" : String.valueOf(submit.source().total()));
    submit.replyTo().tell(new JobAccepted(id));
    dispatch();
    return this;
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

  /**
   * Passes a job's status on to {@code replyTo}. A job that stops before it answers (it was just
   * finishing) has told the coordinator its final status first, so the relay then asks the
   * coordinator instead of leaving the caller to time out.
   */
  private ActorRef<JobStatus> statusRelay(ActorRef<JobProtocol.Command> job, String id,
      ActorRef<Optional<JobStatus>> replyTo) {
    ActorRef<CoordinatorProtocol.Command> self = getContext().getSelf();
    return getContext().spawnAnonymous(Behaviors.<JobStatus>setup(context -> {
      context.watch(job);
      return Behaviors.<JobStatus>receive(JobStatus.class)
          .onMessage(JobStatus.class, s -> {
            replyTo.tell(Optional.of(s));
            return Behaviors.stopped();
          })
          .onSignal(org.apache.pekko.actor.typed.Terminated.class, t -> {
            self.tell(new GetJob(id, replyTo));
            return Behaviors.stopped();
          })
          .build();
    }));
  }

  private Behavior<CoordinatorProtocol.Command> onGetCluster(GetCluster get) {
    long now = System.currentTimeMillis();
    List<ClusterView.WorkerView> ws = workers.values().stream()
        .map(w -> new ClusterView.WorkerView(w.last.node(), w.ref.path().toString(), w.last.slots(), w.last.busy(),
            w.held(), w.last.draining(), now - w.lastSeen))
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

  private Behavior<CoordinatorProtocol.Command> onListFunctions(ListFunctions list) {
    list.replyTo().tell(new ArrayList<>(knownFunctions().values()));
    return this;
  }

  private Behavior<CoordinatorProtocol.Command> onWorkerDemand(WorkerDemand demand) {
    WorkerEntry w = workers.get(demand.worker());
    if (w == null) {
      w = new WorkerEntry(demand.worker(), demand);
      workers.put(demand.worker(), w);
      getContext().watchWith(demand.worker(), new WorkerTerminated(demand.worker()));
      getContext().getLog().info("worker joined: {} ({} slots) at {}", demand.node(), demand.slots(),
          demand.worker().path());
    }
    w.last = demand;
    w.lastSeen = System.currentTimeMillis();
    dispatch();
    return this;
  }

  private Behavior<CoordinatorProtocol.Command> onWorkerLeaving(WorkerLeaving leaving) {
    WorkerEntry w = workers.remove(leaving.worker());
    if (w != null) {
      getContext().unwatch(leaving.worker());
      getContext().getLog().info("worker left after draining: {}", w.last.node());
    }
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
    if (used.jobId().equals(offerTo)) {
      offerTo = null;
    }
    giveBack(used.leftover());
    JobEntry entry = jobs.get(used.jobId());
    if (entry != null) {
      entry.hasWork = used.hasWork();
      entry.wantsIsolation = used.wantsIsolation();
    }
    dispatch();
    return this;
  }

  private Behavior<CoordinatorProtocol.Command> onJobHasWork(JobHasWork has) {
    JobEntry entry = jobs.get(has.jobId());
    if (entry != null) {
      entry.hasWork = has.hasWork();
      entry.wantsIsolation = has.wantsIsolation();
      dispatch();
    }
    return this;
  }

  private Behavior<CoordinatorProtocol.Command> onIsolationDone(IsolationDone done) {
    WorkerEntry w = workers.get(done.worker());
    if (w != null && done.jobId().equals(w.reservedFor)) {
      w.reservedFor = null;
      w.isolationRunning = false;
    }
    dispatch();
    return this;
  }

  private Behavior<CoordinatorProtocol.Command> onJobProgress(JobProgress progress) {
    JobEntry entry = jobs.get(progress.status().id());
    if (entry != null) {
      entry.last = progress.status();
    }
    return this;
  }

  private Behavior<CoordinatorProtocol.Command> onJobFinished(JobFinished fin) {
    JobStatus s = fin.status();
    jobs.remove(s.id());
    if (s.id().equals(offerTo)) {
      // the job stopped before it saw the offer (its OfferUsed would have come first): without this
      // the offered credits stayed counted as sent and those workers were never offered work again
      giveBack(offered);
      offerTo = null;
    }
    for (WorkerEntry w : workers.values()) {
      if (s.id().equals(w.reservedFor)) {
        w.reservedFor = null;
        w.isolationRunning = false;
      }
    }
    finished.put(s.id(), s);
    for (Iterator<String> it = finished.keySet().iterator(); finished.size() > settings.history() && it.hasNext(); ) {
      it.next();
      it.remove();
    }
    getContext().getLog().info("job {} {}: {} items, {} errors, {} ms", s.id(), s.state(), s.done(), s.errors(),
        s.jobMillis());
    dispatch();
    return this;
  }

  private Behavior<CoordinatorProtocol.Command> onTick() {
    long now = System.currentTimeMillis();
    long limit = settings.leaseTimeout().toMillis();
    List<ActorRef<WorkerProtocol.Command>> expired = workers.values().stream()
        .filter(w -> w.ref.path().address().hasGlobalScope() && now - w.lastSeen > limit)
        .map(w -> w.ref)
        .toList();
    expired.forEach(w -> lost(w, "silent for over " + limit + " ms (lease expired)"));
    dispatch();
    return this;
  }

  private void lost(ActorRef<WorkerProtocol.Command> worker, String why) {
    WorkerEntry w = workers.remove(worker);
    if (w == null) {
      return;
    }
    getContext().unwatch(worker);
    getContext().getLog().warn("worker lost: {} ({}); re-sending its chunks", w.last.node(), why);
    // the re-registering worker is told to start over, so its counters match the new entry
    worker.tell(WorkerProtocol.Reregister.INSTANCE);
    jobs.values().forEach(j -> j.ref.tell(new Job.WorkerLost(worker)));
  }

  /** Offers every free slot to the oldest job that has work; one offer in flight at a time keeps FIFO exact. */
  private void dispatch() {
    if (offerTo != null || isolate()) {
      return;
    }
    JobEntry head = null;
    String headId = null;
    for (Map.Entry<String, JobEntry> e : jobs.entrySet()) {
      if (e.getValue().hasWork) {
        head = e.getValue();
        headId = e.getKey();
        break;
      }
    }
    if (head == null) {
      return;
    }
    List<Job.Credit> credits = new ArrayList<>();
    int slots = 0;
    for (WorkerEntry w : workers.values()) {
      if (w.last.draining()) {
        continue;
      }
      slots += w.last.slots();
      int c = w.credits();
      if (c > 0) {
        credits.add(new Job.Credit(w.ref, c));
        w.sent += c;
      }
    }
    if (credits.isEmpty()) {
      return;
    }
    offerTo = headId;
    offered = credits;
    head.ref.tell(new Job.Offer(credits, slots, false));
  }

  /**
   * Runs suspect chunks alone. For the oldest job that has one, reserves a worker (the one holding
   * least), gives it nothing more, and once it is empty offers it to that job alone. Returns true
   * when it sent that offer (dispatch then waits for the answer, as for any offer).
   */
  private boolean isolate() {
    for (Map.Entry<String, JobEntry> e : jobs.entrySet()) {
      if (!e.getValue().wantsIsolation) {
        continue;
      }
      String jobId = e.getKey();
      WorkerEntry reserved = workers.values().stream().filter(w -> jobId.equals(w.reservedFor)).findFirst()
          .orElseGet(() -> workers.values().stream()
              .filter(w -> w.reservedFor == null && !w.last.draining())
              .min(Comparator.comparingLong(WorkerEntry::held))
              .orElse(null));
      if (reserved == null) {
        return false;
      }
      if (reserved.reservedFor == null) {
        reserved.reservedFor = jobId;
        getContext().getLog().info("job {}: emptying worker {} to run a chunk whose worker died alone on it",
            jobId, reserved.last.node());
      }
      if (reserved.isolationRunning || !reserved.idle()) {
        return false;
      }
      reserved.isolationRunning = true;
      reserved.sent += 1;
      List<Job.Credit> one = List.of(new Job.Credit(reserved.ref, 1));
      offerTo = jobId;
      offered = one;
      e.getValue().wantsIsolation = false;
      e.getValue().ref.tell(new Job.Offer(one, reserved.last.slots(), true));
      return true;
    }
    return false;
  }

  private void giveBack(List<Job.Credit> credits) {
    for (Job.Credit c : credits) {
      WorkerEntry w = workers.get(c.worker());
      if (w != null) {
        w.sent -= c.chunks();
        if (w.reservedFor != null) {
          // a reserved worker is only ever offered alone: its suspect chunk was not taken after all
          w.reservedFor = null;
          w.isolationRunning = false;
        }
      }
    }
  }

  private Optional<FunctionInfo> function(String name) {
    return Optional.ofNullable(knownFunctions().get(name));
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
    } while (jobs.containsKey(id) || finished.containsKey(id));
    return id;
  }

}
