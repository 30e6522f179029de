package dev.shoal.coordinator;

import dev.shoal.coordinator.durable.DoneRanges;
import dev.shoal.coordinator.durable.JobLedger;
import dev.shoal.coordinator.durable.Unrecorded;
import dev.shoal.coordinator.job.Backoff;
import dev.shoal.coordinator.job.ChunkSizer;
import dev.shoal.coordinator.job.FailureBudget;
import dev.shoal.coordinator.job.ItemSource;
import dev.shoal.coordinator.job.JobDetail;
import dev.shoal.coordinator.job.JobIo;
import dev.shoal.api.JobRequest;
import dev.shoal.api.JobState;
import dev.shoal.api.JobStatus;
import dev.shoal.coordinator.job.JobTrace;
import dev.shoal.coordinator.job.ReorderBuffer;
import dev.shoal.coordinator.job.RetryRules;
import dev.shoal.coordinator.job.Throttle;
import dev.shoal.api.ChunkResults;
import dev.shoal.protocol.ChunkTask;
import dev.shoal.protocol.CoordinatorProtocol;
import dev.shoal.api.FunctionKind;
import dev.shoal.protocol.ItemBatch;
import dev.shoal.protocol.JobProtocol;
import dev.shoal.protocol.JobProtocol.ChunkProcessed;
import dev.shoal.protocol.JobProtocol.ChunkRefused;
import dev.shoal.protocol.JobProtocol.ChunkReturned;
import dev.shoal.protocol.WorkerProtocol;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * One job: a child of the coordinator holding all of that job's state. Pulls items from its source,
 * cuts them into chunks, hands chunks to the workers the coordinator offers it, puts the results
 * back in input order and streams them to its sink.
 *
 * <p>Guarantees: every item's result reaches the sink exactly once — a chunk is leased to one
 * worker at a time under a fresh lease id, a result is accepted only for an open lease, and a lost
 * worker's leases go back to the head of the queue. Memory is bounded: at most {@code window}
 * chunks (more of small chunks, up to {@code window-items} items) are handed out, waiting for an
 * earlier chunk, or queued for the sink, so neither the items nor the results of a large job are
 * ever all held. The chunks one offer gives one worker go in one {@link
 * WorkerProtocol.ProcessChunks}, each under its own lease. A chunk lost with its worker {@code
 * poison-threshold} times is split in halves until the item that kills workers is alone; that item
 * fails as {@code WorkerLost} and the rest of the job completes. An item whose function threw a
 * retried type ({@link RetryRules}) waits out its backoff ({@link Backoff}) on a timer, holding no
 * worker, then runs again alone with its attempt number; the items after it go on meanwhile and,
 * in an ordered job, wait for it in the reorder buffer. Past its {@link FailureBudget} the job ends
 * {@code FAILED} as a failed source does, its remaining work dropped.
 *
 * <p>Two phases, each its own behaviour: running (handing out chunks and taking results) and
 * closing (the job has its final state and waits for its sink to close; an offer is handed back
 * whole, late results and reads are dropped, nothing more is handed out).
 *
 * <p>Caveats: the job lives in the coordinator's memory; if the coordinator node dies the job is
 * lost (its results so far stay in the sink). An exception thrown here (a bug, or an in-memory
 * source that throws instead of failing its stage) stops this actor; the coordinator, which
 * watches it, then ends the job {@code FAILED} and closes its source and sink through {@link JobIo}.
 */
final class Job extends AbstractBehavior<JobProtocol.Command> {

  /** Chunks {@code worker} may be given now. */
  record Credit(ActorRef<WorkerProtocol.Command> worker, int chunks) {}

  /**
   * Hand chunks to these workers; answered with {@link Coordinator.OfferUsed}. An {@code isolated}
   * offer is one emptied worker reserved for this job's next suspect chunk, which then runs alone
   * there so that a death of that worker is that chunk's fault and nobody else's.
   */
  record Offer(List<Credit> credits, int slots, boolean isolated) implements JobProtocol.Command {}

  /** The worker is gone: re-send what it held. */
  record WorkerLost(ActorRef<WorkerProtocol.Command> worker) implements JobProtocol.Command {}

  /**
   * The worker drained and left: it answered or handed back every chunk it started, so a chunk
   * still leased to it crossed its leaving on the way in and never ran there. Sent again, blaming
   * nobody (no loss counted toward poison isolation).
   */
  record WorkerLeft(ActorRef<WorkerProtocol.Command> worker) implements JobProtocol.Command {}

  record GetStatus(ActorRef<JobStatus> replyTo) implements JobProtocol.Command {}

  record Cancel(ActorRef<JobStatus> replyTo) implements JobProtocol.Command {}

  record GetDetail(ActorRef<JobDetail> replyTo) implements JobProtocol.Command {}

  private record SourceRead(ItemBatch batch, Throwable failure) implements JobProtocol.Command {}

  /** A batch of chunks handed to the sink at once is written (or failed). */
  private record SinkWritten(Throwable failure, List<ReorderBuffer.Ready> batch) implements JobProtocol.Command {}

  /** A durable job's ledger has answered how far the job got before (nothing, for a new job). */
  private record ProgressLoaded(JobLedger.Progress progress) implements JobProtocol.Command {}

  /** A durable job's ledger recorded a batch: its chunks count as done. */
  private record BatchRecorded(JobLedger.Recorded recorded) implements JobProtocol.Command {}

  private record SinkClosed(Throwable failure) implements JobProtocol.Command {}

  /** The backoff of the item at {@code index} is over: it may run again. */
  private record RetryDue(long index) implements JobProtocol.Command {}

  private enum ReportProgress implements JobProtocol.Command {
    INSTANCE
  }

  /** The job's rate limit allows a start again: time to say it has work. */
  private enum TokensBack implements JobProtocol.Command {
    INSTANCE
  }

  /** The pause between two records of a durable job is over. */
  private enum RecordDue implements JobProtocol.Command {
    INSTANCE
  }

  /**
   * While a durable job's chunks run, its records come at most this often: each is a journal write,
   * whose CPU the workers on the same machine would rather have, and one record covers whatever was
   * written meanwhile. Never held back: the record that a job waits for to end (no chunk out), and
   * one of {@link #RECORD_NOW_LINES} lines or more, which a client reading the results waits for.
   */
  static final Duration RECORD_PACE = Duration.ofMillis(100);
  static final long RECORD_NOW_LINES = 10_000;

  /** The pause between two writes of a durable job's results is over. */
  private enum WriteDue implements JobProtocol.Command {
    INSTANCE
  }

  /**
   * While a durable job's chunks run, its results are written at most this often: each write is a
   * database commit, and a flood of one-item chunks committed each on its own spent the coordinator's
   * CPU in the database. Readers see results only once recorded ({@link #RECORD_PACE}), so the pause
   * delays no reader. Never held back, as for records: the write a job waits for to end (no chunk
   * out) and one of {@link #RECORD_NOW_LINES} lines or more.
   */
  static final Duration WRITE_PACE = Duration.ofMillis(20);

  /**
   * A run of consecutive items not yet handed out. {@code losses} counts the deaths of workers
   * holding it: the first makes it a suspect, the later ones count only when it ran alone.
   * {@code attempt} is its items' next run, from 1 (above 1 only for a lone retried item).
   */
  private record Piece(long firstIndex, ItemBatch items, int losses, int attempt) {}

  /** {@code sentNanos}: when it was handed out, for the metrics' queue wait. */
  private record Lease(Piece piece, ActorRef<WorkerProtocol.Command> worker, boolean isolated, long sentNanos) {}

  /** A job held in memory only: it is lost with the coordinator. */
  static Behavior<JobProtocol.Command> create(
      String id,
      JobRequest request,
      FunctionKind kind,
      JobIo io,
      ActorRef<CoordinatorProtocol.Command> coordinator,
      CoordinatorSettings settings) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers ->
        new Job(context, timers, id, request, kind, io, coordinator, settings, System.currentTimeMillis(), false, false)
            .start()));
  }

  /**
   * A durable job: it records each batch of results in its {@link JobLedger} before the batch counts
   * as done, and, recovered after a restart, goes on from what the ledger holds (every index with a
   * recorded result is skipped; the sink keeps exactly the recorded lines). A job just accepted
   * has nothing recorded: it starts at once, without waiting for its ledger's (empty) recovery,
   * whose first records the ledger holds back until that recovery is done.
   */
  static Behavior<JobProtocol.Command> createDurable(
      String id,
      JobRequest request,
      FunctionKind kind,
      JobIo io,
      ActorRef<CoordinatorProtocol.Command> coordinator,
      CoordinatorSettings settings,
      long submittedAt,
      boolean recovered) {
    return Behaviors.setup(context -> Behaviors.withStash(STASH, stash -> Behaviors.withTimers(timers -> {
      Job job = new Job(context, timers, id, request, kind, io, coordinator, settings, submittedAt, true, recovered);
      return recovered ? job.loadingProgress(stash) : job.start();
    })));
  }

  /** Commands that come while a durable job loads its progress: offers, reads of its status. */
  private static final int STASH = 10_000;

  private final String id;
  private final JobRequest request;
  private final FunctionKind kind;
  private final ItemSource source;
  private final JobIo io;
  private final ActorRef<CoordinatorProtocol.Command> coordinator;
  private final CoordinatorSettings settings;
  private final ChunkSizer sizer;
  private final TimerScheduler<JobProtocol.Command> timers;
  private final RetryRules retryRules;
  private final Backoff backoff;
  private final FailureBudget budget;
  /** Items waiting out their backoff, by index: they hold no worker until their {@link RetryDue}. */
  private final Map<Long, Piece> waiting = new HashMap<>();
  private final Throttle throttle;
  /** The chunks the coordinator was last told this job holds (fair scheduling counts them). */
  private int advertisedHeld;
  private ReorderBuffer reorder = new ReorderBuffer(0);
  private final PriorityQueue<Piece> pending = new PriorityQueue<>(Comparator.comparingLong(Piece::firstIndex));
  /** Pieces held by a worker that died: they run only alone on a reserved worker, one at a time. */
  private final PriorityQueue<Piece> suspects = new PriorityQueue<>(Comparator.comparingLong(Piece::firstIndex));
  private ActorRef<WorkerProtocol.Command> isolatedOn;
  private final Map<Long, Lease> leases = new HashMap<>();
  private final JobTrace trace = new JobTrace();
  private final long submittedAt;
  /** Durable jobs only: the ledger that records each batch of results, else null. */
  private ActorRef<JobLedger.Command> ledger;
  private ActorRef<JobLedger.Recorded> recordedAdapter;
  /** Indices whose results a recovered job already has; they are cut out of what the source gives. */
  private DoneRanges skip = DoneRanges.NONE;
  private long skipEnd;
  /** Chunks ready for the sink while a write is under way: they go together in the next batch. */
  private final List<ReorderBuffer.Ready> unsent = new ArrayList<>();
  private boolean writing;
  private final Unrecorded unrecorded = new Unrecorded();
  private boolean recording;
  private int recordingChunks;
  private long lastRecordNanos = System.nanoTime() - RECORD_PACE.toNanos();
  private long lastWriteNanos = System.nanoTime() - WRITE_PACE.toNanos();
  private long unsentLines;
  /** A job kept in memory: result lines its sink has written. */
  private long linesWritten;
  /** The largest read asked of the source, for the read that follows one whose items were all done. */
  private int lastRead = 1;
  private final List<ActorRef<JobStatus>> closeWaiters = new ArrayList<>();
  /**
   * Chunks on their way to the sink, and for a durable job until their record is in the ledger:
   * they count in the window, which bounds what the sink and the journal may lag behind the workers.
   */
  private int sinkQueued;
  private long nextLease = 1;
  private long cutIndex;
  private boolean sourceEnded;
  private boolean reading;
  private Piece readAhead;
  private boolean advertisedWork = true;
  private boolean advertisedIsolation;
  private JobState state = JobState.QUEUED;
  private long startedAt;
  private long finishedAt;
  private long done;
  private long errors;
  /** Retries scheduled so far (an item retried twice counts twice). */
  private long retried;
  private String message;

  private Job(
      ActorContext<JobProtocol.Command> context,
      TimerScheduler<JobProtocol.Command> timers,
      String id,
      JobRequest request,
      FunctionKind kind,
      JobIo io,
      ActorRef<CoordinatorProtocol.Command> coordinator,
      CoordinatorSettings settings,
      long submittedAt,
      boolean durable,
      boolean recovered) {
    super(context);
    this.submittedAt = submittedAt;
    if (durable) {
      ledger = context.spawn(JobLedger.create(id, !recovered), "ledger");
      context.watch(ledger);
      recordedAdapter = context.messageAdapter(JobLedger.Recorded.class, BatchRecorded::new);
    }
    this.id = id;
    this.request = request;
    this.kind = kind;
    this.source = io.source();
    this.io = io;
    this.coordinator = coordinator;
    this.settings = settings;
    this.sizer = new ChunkSizer(settings.maxChunk(), settings.maxIoChunk(), settings.initialChunk(),
        settings.targetChunkTime().toNanos(), settings.minChunkTime().toNanos());
    this.timers = timers;
    this.retryRules = new RetryRules(request.retries());
    this.backoff = new Backoff(request.retries(), () -> ThreadLocalRandom.current().nextDouble());
    this.budget = new FailureBudget(request.retries());
    timers.startTimerWithFixedDelay(ReportProgress.INSTANCE, settings.progressInterval());
    this.throttle = new Throttle(request.scheduling(), System::nanoTime);
  }

  /** A durable job first learns from its ledger how far it got; everything else waits meanwhile. */
  private Behavior<JobProtocol.Command> loadingProgress(StashBuffer<JobProtocol.Command> stash) {
    // a journal that cannot recover the ledger fails it (the plugin's recovery timeout included): ChildFailed below
    ledger.tell(new JobLedger.GetProgress(getContext().messageAdapter(JobLedger.Progress.class, ProgressLoaded::new)));
    return Behaviors.receive(JobProtocol.Command.class)
        .onMessage(ProgressLoaded.class, loaded -> onProgressLoaded(loaded, stash))
        // a journal that cannot be read fails this job alone; what waited (offers) goes to its closing
        .onSignal(ChildFailed.class, failed -> stash.unstashAll(onLedgerFailed(failed)))
        .onSignal(Terminated.class, stopped -> stash.unstashAll(onLedgerStopped(stopped)))
        .onAnyMessage(m -> {
          stash.stash(m);
          return Behaviors.same();
        })
        .build();
  }

  private Behavior<JobProtocol.Command> onProgressLoaded(ProgressLoaded loaded, StashBuffer<JobProtocol.Command> stash) {
    JobLedger.Progress p = loaded.progress();
    skip = p.done();
    skipEnd = skip.bounds().length == 0 ? 0 : skip.bounds()[skip.bounds().length - 1];
    done = p.lines();
    errors = p.errors();
    reorder = new ReorderBuffer(request.ordered() ? skip.firstMissing() : 0);
    io.resume(p.lines());
    io.committed(p.lines());
    if (p.lines() > 0) {
      state = JobState.RUNNING;
      startedAt = System.currentTimeMillis();
      getContext().getLog().info("job {} recovered: {} results recorded, going on from there", id, p.lines());
    }
    return stash.unstashAll(start());
  }

  private Behavior<JobProtocol.Command> onLedgerFailed(ChildFailed failed) {
    return ledgerGone("the job's journal failed: " + rootMessage(failed.getCause()));
  }

  private Behavior<JobProtocol.Command> onLedgerStopped(Terminated t) {
    return ledgerGone("the job's journal stopped");
  }

  private Behavior<JobProtocol.Command> ledgerGone(String reason) {
    if (state.isFinal()) {
      return Behaviors.same();
    }
    // without its ledger nothing more it computes can count: it fails now, its recorded results kept
    ledger = null;
    return fail(reason);
  }

  private Behavior<JobProtocol.Command> start() {
    // read the first items now: an empty input then ends the job even with no worker in the cluster
    readMore(request.chunkSize() > 0 ? request.chunkSize() : settings.initialChunk());
    // an in-memory source answers at once and sends no SourceRead, so its end is checked here
    return afterChange();
  }

  @Override
  public Receive<JobProtocol.Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Offer.class, this::onOffer)
        .onMessage(ChunkProcessed.class, this::onChunkProcessed)
        .onMessage(JobProtocol.ChunksProcessed.class, this::onChunksProcessed)
        .onMessage(ChunkReturned.class, this::onChunkReturned)
        .onMessage(ChunkRefused.class, this::onChunkRefused)
        .onMessage(WorkerLost.class, this::onWorkerLost)
        .onMessage(WorkerLeft.class, this::onWorkerLeft)
        .onMessage(SourceRead.class, this::onSourceRead)
        .onMessage(SinkWritten.class, this::onSinkWritten)
        .onMessage(SinkClosed.class, this::onSinkClosed)
        .onMessage(GetStatus.class, this::onGetStatus)
        .onMessage(GetDetail.class, this::onGetDetail)
        .onMessage(Cancel.class, this::onCancel)
        .onMessage(RetryDue.class, this::onRetryDue)
        .onMessageEquals(ReportProgress.INSTANCE, this::onReportProgress)
        .onMessageEquals(TokensBack.INSTANCE, this::afterChange)
        .onMessageEquals(RecordDue.INSTANCE, this::onRecordDue)
        .onMessageEquals(WriteDue.INSTANCE, this::onWriteDue)
        .onMessage(BatchRecorded.class, this::onBatchRecorded)
        .onSignal(ChildFailed.class, this::onLedgerFailed)
        .onSignal(Terminated.class, this::onLedgerStopped)
        .build();
  }

  private Behavior<JobProtocol.Command> onOffer(Offer offer) {
    if (state.isFinal()) {
      // a cancelled or failed job lives on until its sink is closed; a chunk it handed out meanwhile
      // would run for nobody, and a hanging item would hold that worker's slot for good
      coordinator.tell(new Coordinator.OfferUsed(id, offer.credits(), false, false));
      return this;
    }
    if (offer.isolated()) {
      return onIsolatedOffer(offer);
    }
    // round robin over the offered workers, so one worker's prefetch does not take the whole head of the job
    int[] left = offer.credits().stream().mapToInt(Credit::chunks).toArray();
    List<List<ChunkTask>> tasks = new ArrayList<>();
    offer.credits().forEach(c -> tasks.add(new ArrayList<>()));
    boolean progress = true;
    while (progress) {
      progress = false;
      for (int i = 0; i < left.length; i++) {
        if (left[i] == 0) {
          continue;
        }
        Piece piece = nextPiece(offer.slots());
        if (piece == null) {
          progress = false;
          break;
        }
        tasks.get(i).add(lease(piece, offer.credits().get(i).worker(), false));
        left[i]--;
        progress = true;
      }
    }
    List<Credit> leftover = new ArrayList<>();
    for (int i = 0; i < left.length; i++) {
      send(offer.credits().get(i).worker(), tasks.get(i));
      if (left[i] > 0) {
        leftover.add(new Credit(offer.credits().get(i).worker(), left[i]));
      }
    }
    advertisedWork = hasWork();
    advertisedIsolation = wantsIsolation();
    coordinator.tell(new Coordinator.OfferUsed(id, leftover, advertisedWork, advertisedIsolation));
    // the coordinator counts what this offer took itself
    advertisedHeld = leases.size();
    remindWhenRateAllows();
    return this;
  }

  private Behavior<JobProtocol.Command> onIsolatedOffer(Offer offer) {
    Credit credit = offer.credits().get(0);
    List<Credit> leftover = List.of(credit);
    if (isolatedOn == null && !suspects.isEmpty()) {
      isolatedOn = credit.worker();
      send(credit.worker(), List.of(lease(suspects.poll(), credit.worker(), true)));
      leftover = List.of();
    }
    advertisedWork = hasWork();
    advertisedIsolation = wantsIsolation();
    coordinator.tell(new Coordinator.OfferUsed(id, leftover, advertisedWork, advertisedIsolation));
    advertisedHeld = leases.size();
    return this;
  }

  private Behavior<JobProtocol.Command> onChunkProcessed(ChunkProcessed msg) {
    answered(msg);
    return afterChange();
  }

  /** Results of several chunks from one worker: each taken as alone, then judged once. */
  private Behavior<JobProtocol.Command> onChunksProcessed(JobProtocol.ChunksProcessed msg) {
    msg.each().forEach(this::answered);
    return afterChange();
  }

  private void answered(ChunkProcessed msg) {
    Lease lease = leases.remove(msg.leaseId());
    if (lease == null) {
      // a late result of a chunk that was re-sent (its worker was taken for lost)
      return;
    }
    endIsolation(lease);
    settings.metrics().chunkAnswered(msg.computeNanos(), System.nanoTime() - lease.sentNanos());
    trace.ran(nodeOf(lease.worker()), msg.results().size());
    if (kind == FunctionKind.CPU && msg.computeNanos() > 0) {
      sizer.observe(msg.results().size(), msg.computeNanos());
    }
    settle(lease.piece(), msg.results());
  }

  private Behavior<JobProtocol.Command> onRetryDue(RetryDue due) {
    Piece piece = waiting.remove(due.index());
    if (piece != null) {
      // pending is ordered by index, so the retry goes ahead of later items the reorder buffer holds
      pending.add(piece);
    }
    return afterChange();
  }

  /** Accepts a chunk's finished items and sets a timer for each item that runs again. */
  private void settle(Piece piece, ChunkResults results) {
    RetryRules.Split split = retryRules.split(piece.firstIndex(), results, piece.attempt());
    for (ReorderBuffer.Ready finished : split.finished()) {
      accept(finished.firstIndex(), finished.results());
    }
    for (int offset : split.retry()) {
      long index = piece.firstIndex() + offset;
      Piece again = new Piece(index, piece.items().slice(offset, offset + 1), 0, piece.attempt() + 1);
      waiting.put(index, again);
      retried++;
      RetryDue due = new RetryDue(index);
      timers.startSingleTimer(due, due, Duration.ofMillis(backoff.delayMs(piece.attempt())));
    }
  }

  private Behavior<JobProtocol.Command> onChunkReturned(ChunkReturned msg) {
    Lease lease = leases.remove(msg.leaseId());
    if (lease != null) {
      sendAgain(lease);
    }
    return afterChange();
  }

  private Behavior<JobProtocol.Command> onWorkerLeft(WorkerLeft left) {
    takeLeasesOf(left.worker()).forEach(this::sendAgain);
    return afterChange();
  }

  /** Removes and answers the open leases of {@code worker}. */
  private List<Lease> takeLeasesOf(ActorRef<WorkerProtocol.Command> worker) {
    List<Lease> taken = new ArrayList<>();
    for (Iterator<Lease> it = leases.values().iterator(); it.hasNext(); ) {
      Lease lease = it.next();
      if (lease.worker().equals(worker)) {
        it.remove();
        taken.add(lease);
      }
    }
    return taken;
  }

  /** A chunk that came back unrun: next in line again, as it was. */
  private void sendAgain(Lease lease) {
    endIsolation(lease);
    settings.metrics().chunkResent();
    trace.resent();
    (lease.piece().losses() > 0 ? suspects : pending).add(lease.piece());
  }

  private Behavior<JobProtocol.Command> onChunkRefused(ChunkRefused msg) {
    Lease lease = leases.remove(msg.leaseId());
    if (lease == null || state.isFinal()) {
      return this;
    }
    endIsolation(lease);
    return fail(msg.reason());
  }

  private Behavior<JobProtocol.Command> onWorkerLost(WorkerLost lost) {
    List<Lease> lostLeases = takeLeasesOf(lost.worker());
    if (!lostLeases.isEmpty()) {
      trace.workerLost(nodeOf(lost.worker()));
    }
    for (Lease lease : lostLeases) {
      endIsolation(lease);
      settings.metrics().chunkResent();
      trace.resent();
      Piece p = lease.piece();
      if (!lease.isolated() && p.losses() > 0) {
        // it did not run alone, so this death proves nothing against it
        suspects.add(p);
        continue;
      }
      int losses = p.losses() + 1;
      int count = p.items().count();
      if (losses < settings.poisonThreshold()) {
        suspects.add(new Piece(p.firstIndex(), p.items(), losses, p.attempt()));
      } else if (count == 1) {
        getContext().getLog().warn("job {}: item {} lost its worker {} times; failing it as WorkerLost",
            id, p.firstIndex(), losses);
        accept(p.firstIndex(), ChunkResults.allFailed(1, "WorkerLost",
            "the worker running this item died " + losses + " times"));
      } else {
        // the chunk keeps killing workers: bisect it so the item responsible ends up alone
        int half = count / 2;
        suspects.add(new Piece(p.firstIndex(), p.items().slice(0, half), losses - 1, p.attempt()));
        suspects.add(new Piece(p.firstIndex() + half, p.items().slice(half, count), losses - 1, p.attempt()));
      }
    }
    return afterChange();
  }

  private Behavior<JobProtocol.Command> onSourceRead(SourceRead read) {
    reading = false;
    if (read.failure() != null) {
      return fail(rootMessage(read.failure()));
    }
    if (!take(read.batch()) && !sourceEnded) {
      readMore(lastRead);
    }
    return afterChange();
  }

  private Behavior<JobProtocol.Command> onSinkWritten(SinkWritten written) {
    if (written.failure() != null) {
      return fail("cannot write results: " + rootMessage(written.failure()));
    }
    if (ledger == null) {
      sinkQueued -= written.batch().size();
      for (ReorderBuffer.Ready r : written.batch()) {
        linesWritten += r.results().size();
      }
      // nothing to record: what is written may be read
      io.committed(linesWritten);
      return afterChange();
    }
    writing = false;
    unrecorded.add(written.batch());
    record();
    writeUnsent();
    return afterChange();
  }

  /** Sends the written, unrecorded batches to the ledger as one record; one record is in flight at a time. */
  private void record() {
    if (recording || unrecorded.isEmpty()) {
      return;
    }
    boolean paused = timers.isTimerActive(RecordDue.INSTANCE);
    if (!leases.isEmpty() && unrecorded.lines() < RECORD_NOW_LINES) {
      if (paused) {
        return;
      }
      long wait = RECORD_PACE.toNanos() - (System.nanoTime() - lastRecordNanos);
      if (wait > 0) {
        timers.startSingleTimer(RecordDue.INSTANCE, Duration.ofNanos(wait));
        return;
      }
    } else if (paused) {
      // no chunk out (this may be the record the job's end waits for), or many lines wait
      timers.cancel(RecordDue.INSTANCE);
    }
    lastRecordNanos = System.nanoTime();
    recording = true;
    Unrecorded.Batch b = unrecorded.take();
    ledger.tell(new JobLedger.Record(b.lines(), b.pairs(), b.errors(), recordedAdapter));
    recordingChunks = b.chunks();
  }

  private Behavior<JobProtocol.Command> onRecordDue() {
    record();
    return afterChange();
  }

  private Behavior<JobProtocol.Command> onWriteDue() {
    writeUnsent();
    return afterChange();
  }

  private Behavior<JobProtocol.Command> onBatchRecorded(BatchRecorded recorded) {
    recording = false;
    sinkQueued -= recordingChunks;
    io.committed(recorded.recorded().lines());
    record();
    return afterChange();
  }

  // --- closing: the job has its final state and waits for its sink to close ---

  private Behavior<JobProtocol.Command> closing() {
    return Behaviors.receive(JobProtocol.Command.class)
        .onMessage(Offer.class, this::onOfferWhileClosing)
        .onMessage(ChunkProcessed.class, this::onLateAnswer)
        .onMessage(JobProtocol.ChunksProcessed.class, this::onLateAnswer)
        .onMessage(ChunkReturned.class, this::onLateAnswer)
        .onMessage(WorkerLost.class, this::onLateAnswer)
        .onMessage(WorkerLeft.class, this::onLateAnswer)
        .onMessage(SourceRead.class, this::onLateAnswer)
        .onMessage(SinkWritten.class, this::onLateAnswer)
        .onMessage(RetryDue.class, this::onLateAnswer)
        .onMessage(BatchRecorded.class, this::onLateAnswer)
        .onMessage(ProgressLoaded.class, this::onLateAnswer)
        .onSignal(ChildFailed.class, signal -> Behaviors.same())
        .onSignal(Terminated.class, signal -> Behaviors.same())
        .onMessage(SinkClosed.class, this::onSinkClosed)
        .onMessage(GetStatus.class, this::onGetStatus)
        .onMessage(GetDetail.class, this::onGetDetail)
        .onMessage(Cancel.class, this::onCancelWhileClosing)
        .onMessageEquals(ReportProgress.INSTANCE, Behaviors::same)
        .onMessageEquals(TokensBack.INSTANCE, Behaviors::same)
        .onMessageEquals(RecordDue.INSTANCE, Behaviors::same)
        .onMessageEquals(WriteDue.INSTANCE, Behaviors::same)
        .build();
  }

  private Behavior<JobProtocol.Command> onOfferWhileClosing(Offer offer) {
    coordinator.tell(new Coordinator.OfferUsed(id, offer.credits(), false, false));
    return Behaviors.same();
  }

  /** Results of chunks cancelled with the job, and reads or writes that were under way: nothing to do. */
  private Behavior<JobProtocol.Command> onLateAnswer(JobProtocol.Command late) {
    return Behaviors.same();
  }

  private Behavior<JobProtocol.Command> onCancelWhileClosing(Cancel cancel) {
    cancel.replyTo().tell(status());
    return Behaviors.same();
  }

  private Behavior<JobProtocol.Command> onSinkClosed(SinkClosed closed) {
    if (closed.failure() != null && message == null) {
      message = "cannot close results: " + rootMessage(closed.failure());
    }
    JobStatus status = status();
    coordinator.tell(new Coordinator.JobFinished(status, trace.detail(status, finishedAt)));
    closeWaiters.forEach(w -> w.tell(status));
    return Behaviors.stopped();
  }

  private Behavior<JobProtocol.Command> onGetStatus(GetStatus get) {
    get.replyTo().tell(status());
    return Behaviors.same();
  }

  private Behavior<JobProtocol.Command> onGetDetail(GetDetail get) {
    JobStatus status = status();
    get.replyTo().tell(trace.detail(status, state.isFinal() ? finishedAt : System.currentTimeMillis()));
    return Behaviors.same();
  }

  private Behavior<JobProtocol.Command> onCancel(Cancel cancel) {
    dropAllWork();
    closeWaiters.add(cancel.replyTo());
    return finish(JobState.CANCELLED);
  }

  private Behavior<JobProtocol.Command> onReportProgress() {
    settings.metrics().jobChunks(id, leases.size(),
        pending.size() + suspects.size() + waiting.size() + (readAhead == null ? 0 : 1));
    JobStatus status = status();
    trace.sample(System.currentTimeMillis(), status.done());
    coordinator.tell(new Coordinator.JobProgress(status));
    return this;
  }

  private Behavior<JobProtocol.Command> afterChange() {
    // judged here, after every change, so an item failed as WorkerLost counts as well as a thrown one
    Optional<String> overBudget = budget.exceeded(done, errors);
    if (overBudget.isPresent()) {
      return fail(overBudget.get());
    }
    if (sourceEnded && readAhead == null && pending.isEmpty() && suspects.isEmpty() && leases.isEmpty()
        && waiting.isEmpty() && reorder.held() == 0 && sinkQueued == 0) {
      return finish(errors > 0 ? JobState.COMPLETED_WITH_ERRORS : JobState.SUCCEEDED);
    }
    if ((!advertisedWork && hasWork()) || (!advertisedIsolation && wantsIsolation())) {
      advertisedWork = hasWork();
      coordinator.tell(new Coordinator.JobHasWork(id, advertisedWork, wantsIsolation()));
    }
    advertisedIsolation = wantsIsolation();
    if (settings.scheduling() == SchedulingPolicy.FAIR && leases.size() != advertisedHeld) {
      // fair shares are counted in chunks held; under fifo nobody needs this message per chunk
      advertisedHeld = leases.size();
      coordinator.tell(new Coordinator.JobHolds(id, advertisedHeld));
    }
    remindWhenRateAllows();
    return this;
  }

  /** A job stopped by its rate alone asks to be woken when tokens return, instead of polling. */
  private void remindWhenRateAllows() {
    long nanos = throttle.nanosUntilRateAllows();
    if (nanos > 0 && hasUnthrottledWork() && !timers.isTimerActive(TokensBack.INSTANCE)) {
      timers.startSingleTimer(TokensBack.INSTANCE, Duration.ofNanos(nanos));
    }
  }

  private Behavior<JobProtocol.Command> fail(String reason) {
    // INFO, not WARN: a failed job is an outcome reported to its client, not a fault of this node;
    // nodes log at INFO, and `shoal run` (WARN) prints the reason once, in its summary
    getContext().getLog().info("job {} failed: {}", id, reason);
    message = reason;
    dropAllWork();
    return finish(JobState.FAILED);
  }

  /** Tells every worker holding a chunk of this job to stop it, and forgets all work not yet done. */
  private void dropAllWork() {
    Set<ActorRef<WorkerProtocol.Command>> holding = new HashSet<>();
    leases.values().forEach(l -> holding.add(l.worker()));
    holding.forEach(w -> w.tell(new WorkerProtocol.CancelJob(id)));
    leases.clear();
    pending.clear();
    suspects.clear();
    waiting.keySet().forEach(index -> timers.cancel(new RetryDue(index)));
    waiting.clear();
    readAhead = null;
  }

  /** Closes the source and, after the writes already asked, the sink; the job then waits for that close. */
  private Behavior<JobProtocol.Command> finish(JobState end) {
    state = end;
    finishedAt = System.currentTimeMillis();
    io.close(status());
    getContext().pipeToSelf(io.closed(), (v, failure) -> new SinkClosed(failure));
    return closing();
  }

  private boolean hasWork() {
    return throttle.allowance(itemsInFlight()) > 0 && hasUnthrottledWork();
  }

  private boolean hasUnthrottledWork() {
    return !pending.isEmpty() || readAhead != null || (!sourceEnded && !reading && canCut());
  }

  private boolean wantsIsolation() {
    return isolatedOn == null && !suspects.isEmpty();
  }

  /** The reserved worker is free again once its chunk is answered, handed back or lost. */
  private void endIsolation(Lease lease) {
    if (lease.isolated() && lease.worker().equals(isolatedOn)) {
      isolatedOn = null;
      coordinator.tell(new Coordinator.IsolationDone(id, lease.worker()));
    }
  }

  /** New chunks are cut only while the job's outstanding chunks stay within its window, sized for the last cut. */
  private boolean canCut() {
    return leases.size() + pending.size() + suspects.size() + waiting.size() + reorder.held() + sinkQueued
        < settings.window(lastRead);
  }

  /** Items in the chunks handed out and not yet answered. */
  private long itemsInFlight() {
    long n = 0;
    for (Lease l : leases.values()) {
      n += l.piece().items().count();
    }
    return n;
  }

  /** The next piece, cut to what the job's own limits allow now; the rest waits at the head of the queue. */
  private Piece nextPiece(int slots) {
    // counted only for a job that limits them: it walks every lease, and a window of tiny chunks holds thousands
    int allowed = throttle.allowance(throttle.limitsInFlight() ? itemsInFlight() : 0);
    if (allowed <= 0) {
      return null;
    }
    Piece p = nextWholePiece(slots);
    if (p == null || p.items().count() <= allowed) {
      return p;
    }
    pending.add(new Piece(p.firstIndex() + allowed, p.items().slice(allowed, p.items().count()), p.losses(), p.attempt()));
    return new Piece(p.firstIndex(), p.items().slice(0, allowed), p.losses(), p.attempt());
  }

  private Piece nextWholePiece(int slots) {
    if (!pending.isEmpty()) {
      return pending.poll();
    }
    if (readAhead != null) {
      Piece p = readAhead;
      readAhead = null;
      // a blocking source reads one chunk ahead so the next offer need not wait for it
      if (!source.inMemory() && !sourceEnded && !reading && canCut()) {
        readMore(chunkSize(slots));
      }
      return p;
    }
    if (sourceEnded || reading || !canCut()) {
      return null;
    }
    readMore(chunkSize(slots));
    Piece p = readAhead;
    readAhead = null;
    return p;
  }

  private int chunkSize(int slots) {
    if (request.chunkSize() > 0) {
      return Math.min(request.chunkSize(), throttle.largestChunk());
    }
    long total = source.total();
    return Math.min(sizer.size(kind, total < 0 ? -1 : total - cutIndex, slots), throttle.largestChunk());
  }

  /** Asks the source for more; an in-memory source answers at once and fills {@code readAhead}. */
  private void readMore(int max) {
    trace.cutting(max);
    lastRead = max;
    while (true) {
      CompletionStage<ItemBatch> stage = source.next(max);
      CompletableFuture<ItemBatch> f = stage.toCompletableFuture();
      if (!f.isDone() || f.isCompletedExceptionally()) {
        reading = true;
        getContext().pipeToSelf(stage, SourceRead::new);
        return;
      }
      if (take(f.join()) || sourceEnded) {
        return;
      }
      // a recovered job: every item read had its result already; read on at once
    }
  }

  /** Takes a batch read from the source; false when all of it had its results already (a recovered job). */
  private boolean take(ItemBatch batch) {
    if (batch.count() == 0) {
      sourceEnded = true;
      return true;
    }
    long first = cutIndex;
    cutIndex += batch.count();
    if (source.total() >= 0 && cutIndex >= source.total()) {
      sourceEnded = true;
    }
    if (first >= skipEnd) {
      readAhead = new Piece(first, batch, 0, 1);
      return true;
    }
    boolean any = false;
    for (long[] part : skip.missing(first, cutIndex)) {
      Piece p = new Piece(part[0], batch.slice((int) (part[0] - first), (int) (part[1] - first)), 0, 1);
      if (!any) {
        readAhead = p;
      } else {
        pending.add(p);
      }
      any = true;
    }
    return any;
  }

  /** Opens a lease on {@code piece} for {@code worker}: the chunk to send it. */
  private ChunkTask lease(Piece piece, ActorRef<WorkerProtocol.Command> worker, boolean isolated) {
    if (state == JobState.QUEUED) {
      state = JobState.RUNNING;
      startedAt = System.currentTimeMillis();
    }
    long lease = nextLease++;
    leases.put(lease, new Lease(piece, worker, isolated, System.nanoTime()));
    throttle.started(piece.items().count());
    return new ChunkTask(id, lease, piece.firstIndex(), request.function(), request.argsJson(),
        request.timeoutMs(), piece.items(), piece.attempt(), request.jar());
  }

  /** The chunks of one offer to one worker go in one message: remoting costs per message, not per chunk. */
  private void send(ActorRef<WorkerProtocol.Command> worker, List<ChunkTask> tasks) {
    if (tasks.size() == 1) {
      worker.tell(new WorkerProtocol.ProcessChunk(tasks.get(0), getContext().getSelf().narrow()));
    } else if (!tasks.isEmpty()) {
      worker.tell(new WorkerProtocol.ProcessChunks(tasks, getContext().getSelf().narrow()));
    }
  }

  private void accept(long firstIndex, ChunkResults results) {
    done += results.size();
    errors += results.errorCount();
    trace.finished(firstIndex, results);
    if (request.ordered()) {
      for (ReorderBuffer.Ready r : reorder.add(firstIndex, results)) {
        toSink(r.firstIndex(), r.results());
      }
    } else {
      toSink(firstIndex, results);
    }
  }

  private void toSink(long firstIndex, ChunkResults results) {
    sinkQueued++;
    ReorderBuffer.Ready ready = new ReorderBuffer.Ready(firstIndex, results);
    if (ledger == null) {
      // a sink in memory or a file: each chunk's write frees its place in the window as it completes
      write(List.of(ready));
      return;
    }
    unsent.add(ready);
    unsentLines += results.size();
    writeUnsent();
  }

  /**
   * A durable job hands what waits to the sink as one batch, unless a write is under way or the last
   * was less than {@link #WRITE_PACE} ago: one row and one journal event for many chunks, so a
   * flood of small chunks costs a round trip each, not a database commit each.
   */
  private void writeUnsent() {
    if (writing || unsent.isEmpty()) {
      return;
    }
    boolean paused = timers.isTimerActive(WriteDue.INSTANCE);
    if (!leases.isEmpty() && unsentLines < RECORD_NOW_LINES) {
      if (paused) {
        return;
      }
      long wait = WRITE_PACE.toNanos() - (System.nanoTime() - lastWriteNanos);
      if (wait > 0) {
        timers.startSingleTimer(WriteDue.INSTANCE, Duration.ofNanos(wait));
        return;
      }
    } else if (paused) {
      timers.cancel(WriteDue.INSTANCE);
    }
    lastWriteNanos = System.nanoTime();
    writing = true;
    List<ReorderBuffer.Ready> batch = List.copyOf(unsent);
    unsent.clear();
    unsentLines = 0;
    write(batch);
  }

  private void write(List<ReorderBuffer.Ready> batch) {
    // a non-null value: Pekko's dead-letter log fails on a null one when the job has stopped first
    getContext().pipeToSelf(io.write(batch).thenApply(v -> Boolean.TRUE),
        (v, failure) -> new SinkWritten(failure, batch));
  }

  private JobStatus status() {
    long now = state.isFinal() ? finishedAt : System.currentTimeMillis();
    long jobMillis = now - submittedAt;
    long total = source.total() >= 0 ? source.total() : (sourceEnded ? cutIndex : -1);
    double rate = jobMillis > 0 ? done * 1000.0 / jobMillis : 0;
    return new JobStatus(id, request.function(), state, total, done, errors, submittedAt, startedAt,
        state.isFinal() ? finishedAt : 0, jobMillis, rate, request.ordered(), message,
        request.scheduling().priority(), request.scheduling().weight(), retried);
  }

  /** The node a worker runs on, as its demand names it: host:port, or the actor's name for a worker in this JVM. */
  private static String nodeOf(ActorRef<WorkerProtocol.Command> worker) {
    var address = worker.path().address();
    return address.hasGlobalScope() ? address.getHost().orElse("?") + ":" + address.getPort().map(String::valueOf).orElse("?")
        : worker.path().name();
  }

  private static String rootMessage(Throwable t) {
    while (t.getCause() != null && (t instanceof java.util.concurrent.CompletionException
        || t instanceof java.util.concurrent.ExecutionException)) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.toString() : t.getMessage();
  }
}
