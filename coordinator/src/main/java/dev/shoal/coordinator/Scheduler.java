package dev.shoal.coordinator;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * Who gets which worker capacity: the coordinator's scheduling rules without the actor. It keeps
 * each worker's credits (what it asked for less what was sent since), the one offer in flight,
 * the workers reserved to run a job's suspect chunk alone, and the jobs with their priority, weight
 * and the chunks each holds. The coordinator tells it what happened and sends the offers {@link
 * #next()} decides.
 *
 * <p>Guarantees: at most one offer is in flight. Free slots go to the highest priority with work
 * (running chunks are never taken back for it). Within a priority, under {@link
 * SchedulingPolicy#FIFO} the oldest job with work gets every free slot before a younger job gets
 * any; under {@link SchedulingPolicy#FAIR} each offer goes to the job furthest below its weight's
 * share of the chunks its priority holds plus those free, and gives it the whole chunks of that
 * shortfall (at least one), so that once the chunks held before have turned over, each job holds its share to within one
 * chunk. A worker is never offered more than it asked for, less what it was
 * sent and has not yet acknowledged, and never a negative amount; a reserved worker is offered to
 * its job alone, one chunk, once it holds nothing; a job or worker that goes away takes nothing
 * with it: the credits of an offer in flight to it come back, and its reservations end.
 *
 * <p>Caveat: when a job ends without answering an offer, what it may have used of it is unknown;
 * the credits come back whole and a worker's next statement that it received more than was counted
 * resets the count, so a worker may be sent, once, up to that offer's chunks more than it asked for
 * (it queues them; the coordinator tells it to cancel the failed job's chunks, so those end at
 * once), and a suspect chunk may then share that worker with a chunk still on its way to it. Not
 * thread-safe: one owner, the coordinator actor. Fair shares count chunks, not items or time: jobs
 * with chunks of very different lengths share slots, not CPU time; the chunks a job holds are what
 * it last said ({@link #jobHolds}) plus what it took of offers since, so a slot freed by a worker
 * may be given before the job's word that the chunk ended arrives: a job can then count one chunk
 * high for one decision (and lose a tie it should have won). Under fifo nobody reports chunks held,
 * and the count only grows; it is not used.
 *
 * @param <W> how a worker is named (the worker's actor ref in the coordinator)
 */
final class Scheduler<W> {

  /** {@code chunks} more chunks may be sent to {@code worker}. */
  record Credit<W>(W worker, int chunks) {}

  /**
   * Offer {@code credits} to job {@code jobId}; {@code slots} is the capacity of the workers
   * offered (to size chunks). An {@code isolated} offer is one emptied worker reserved for the
   * job's next suspect chunk.
   */
  record Offer<W>(String jobId, List<Credit<W>> credits, int slots, boolean isolated) {}

  private static final class JobSlot {
    final int priority;
    final int weight;
    boolean hasWork = true;
    boolean wantsIsolation;
    /** Chunks handed out and not yet answered, as the job last said plus what it took of offers since. */
    long held;

    JobSlot(int priority, int weight) {
      this.priority = priority;
      this.weight = Math.max(1, weight);
    }

    /** How far below its share of {@code total} chunks it is, times {@code weights} (to stay in integers). */
    long deficit(long total, long weights) {
      return total * weight - held * weights;
    }
  }

  private static final class WorkerSlot {
    int wanted;
    long received;
    long sent;
    int slots;
    int held;
    boolean draining;
    /** The job this worker is being emptied for, to run that job's suspect chunk alone; null if none. */
    String reservedFor;
    boolean isolationRunning;

    int credits() {
      return draining || reservedFor != null ? 0 : (int) Math.max(0, wanted - inTransit());
    }

    long inTransit() {
      return Math.max(0, sent - received);
    }

    /** Holds nothing and has nothing on the way. */
    boolean idle() {
      return inTransit() == 0 && held == 0;
    }

    long holding() {
      return inTransit() + held;
    }

    void endReservation() {
      reservedFor = null;
      isolationRunning = false;
    }
  }

  private final LinkedHashMap<String, JobSlot> jobs = new LinkedHashMap<>();
  private final LinkedHashMap<W, WorkerSlot> workers = new LinkedHashMap<>();
  private final SchedulingPolicy policy;
  private final BiConsumer<String, W> onReserve;
  private Offer<W> inFlight;

  /** {@code onReserve} hears (job, worker) when a worker starts being emptied for a job's suspect chunk. */
  Scheduler(SchedulingPolicy policy, BiConsumer<String, W> onReserve) {
    this.policy = policy;
    this.onReserve = onReserve;
  }

  /** A first-in-first-out scheduler. */
  Scheduler(BiConsumer<String, W> onReserve) {
    this(SchedulingPolicy.FIFO, onReserve);
  }

  // --- jobs ---

  /** A new job of priority 0 and weight 1. */
  void jobAdded(String jobId) {
    jobAdded(jobId, 0, 1);
  }

  /**
   * A new job queues behind every job of its priority already known, ahead of every job of a lower
   * one; it is taken to have work until it says otherwise.
   */
  void jobAdded(String jobId, int priority, int weight) {
    jobs.putIfAbsent(jobId, new JobSlot(priority, weight));
  }

  /** The job holds {@code chunks} chunks now (handed out, not yet answered). */
  void jobHolds(String jobId, long chunks) {
    JobSlot j = jobs.get(jobId);
    if (j != null) {
      j.held = Math.max(0, chunks);
    }
  }

  /** Chunks the job holds, as far as the scheduler knows. */
  long jobHolding(String jobId) {
    JobSlot j = jobs.get(jobId);
    return j == null ? 0 : j.held;
  }

  /** What a job said of itself outside an offer. */
  void jobWork(String jobId, boolean hasWork, boolean wantsIsolation) {
    JobSlot j = jobs.get(jobId);
    if (j != null) {
      j.hasWork = hasWork;
      j.wantsIsolation = wantsIsolation;
    }
  }

  /** The job answered its offer: {@code leftover} is what it did not use. */
  void offerAnswered(String jobId, List<Credit<W>> leftover, boolean hasWork, boolean wantsIsolation) {
    if (inFlight != null && inFlight.jobId().equals(jobId)) {
      JobSlot j = jobs.get(jobId);
      if (j != null) {
        j.held += Math.max(0, chunks(inFlight.credits()) - chunks(leftover));
      }
      inFlight = null;
    }
    giveBack(leftover);
    jobWork(jobId, hasWork, wantsIsolation);
  }

  /** The job's suspect chunk on {@code worker} is answered, handed back or lost: the worker is free for all. */
  void isolationDone(String jobId, W worker) {
    WorkerSlot w = workers.get(worker);
    if (w != null && jobId.equals(w.reservedFor)) {
      w.endReservation();
    }
  }

  /**
   * The job is gone (finished, or its actor failed). An offer in flight to it comes back whole, and
   * every worker reserved for it is free again. Returns true if the job was known.
   */
  boolean jobEnded(String jobId) {
    boolean known = jobs.remove(jobId) != null;
    if (inFlight != null && inFlight.jobId().equals(jobId)) {
      giveBack(inFlight.credits());
      inFlight = null;
    }
    for (WorkerSlot w : workers.values()) {
      if (jobId.equals(w.reservedFor)) {
        w.endReservation();
      }
    }
    return known;
  }

  // --- workers ---

  /**
   * A worker's stated demand. Returns true if the worker was not known (it joined).
   *
   * @param wanted how many more chunks it can take now
   * @param received how many it has received in all
   */
  boolean demand(W worker, int wanted, long received, int slots, int held, boolean draining) {
    WorkerSlot w = workers.get(worker);
    boolean joined = w == null;
    if (joined) {
      w = new WorkerSlot();
      w.sent = received;
      workers.put(worker, w);
    }
    w.wanted = Math.max(0, wanted);
    w.received = received;
    // it has more than was counted as sent: the count missed chunks a failed job sent, so it restarts here
    w.sent = Math.max(w.sent, received);
    w.slots = slots;
    w.held = held;
    w.draining = draining;
    return joined;
  }

  /**
   * The worker left or was taken for lost: forget it. What it held is its jobs' business (they
   * re-send its leases); its part of an offer in flight is simply not given back. Returns true if
   * it was known.
   */
  boolean workerGone(W worker) {
    return workers.remove(worker) != null;
  }

  boolean knows(W worker) {
    return workers.containsKey(worker);
  }

  /** Chunks the worker may be sent now. */
  int credits(W worker) {
    WorkerSlot w = workers.get(worker);
    return w == null ? 0 : w.credits();
  }

  /** Chunks the worker holds or has on the way to it. */
  long holding(W worker) {
    WorkerSlot w = workers.get(worker);
    return w == null ? 0 : w.holding();
  }

  /** The job the worker is reserved for, if any. */
  Optional<String> reservedFor(W worker) {
    WorkerSlot w = workers.get(worker);
    return Optional.ofNullable(w == null ? null : w.reservedFor);
  }

  Optional<Offer<W>> inFlight() {
    return Optional.ofNullable(inFlight);
  }

  /** The jobs in the order they are served: highest priority first, in submission order within one. */
  List<String> jobOrder() {
    return servingOrder().stream().map(Map.Entry::getKey).toList();
  }

  private List<Map.Entry<String, JobSlot>> servingOrder() {
    List<Map.Entry<String, JobSlot>> order = new ArrayList<>(jobs.entrySet());
    // a stable sort: submission order stays within a priority
    order.sort(Comparator.comparingInt((Map.Entry<String, JobSlot> e) -> e.getValue().priority).reversed());
    return order;
  }

  // --- the decision ---

  /**
   * The next offer to send, if any, now counted as in flight until {@link #offerAnswered} or
   * {@link #jobEnded}. Suspect chunks come first: the first job in serving order that has one gets its reserved
   * worker once that worker is empty. Otherwise free credits go to the highest priority with work:
   * all of them to its oldest job (fifo), or to its job furthest below its share, up to that share (fair).
   */
  Optional<Offer<W>> next() {
    if (inFlight != null) {
      return Optional.empty();
    }
    Offer<W> offer = isolate();
    if (offer == null) {
      offer = headOffer();
    }
    inFlight = offer;
    return Optional.ofNullable(offer);
  }

  private Offer<W> headOffer() {
    List<Map.Entry<String, JobSlot>> candidates = new ArrayList<>();
    for (Map.Entry<String, JobSlot> e : servingOrder()) {
      if (e.getValue().hasWork && (candidates.isEmpty() || candidates.get(0).getValue().priority == e.getValue().priority)) {
        candidates.add(e);
      }
    }
    if (candidates.isEmpty()) {
      return null;
    }
    long free = 0;
    for (WorkerSlot w : workers.values()) {
      free += w.draining ? 0 : w.credits();
    }
    if (free == 0) {
      return null;
    }
    Map.Entry<String, JobSlot> head = candidates.get(0);
    long give = free;
    if (policy == SchedulingPolicy.FAIR) {
      long total = free;
      long weights = 0;
      for (Map.Entry<String, JobSlot> e : candidates) {
        total += e.getValue().held;
        weights += e.getValue().weight;
      }
      // the job furthest below its share of what its priority would hold with every free chunk
      // used, not the one holding least for its weight: with more jobs than slots the latter lets
      // light jobs pass a slot among themselves while a heavy one stays below its share
      for (Map.Entry<String, JobSlot> e : candidates) {
        if (e.getValue().deficit(total, weights) > head.getValue().deficit(total, weights)) {
          head = e;
        }
      }
      JobSlot j = head.getValue();
      // the whole chunks of its shortfall, at least one: rounding up would let it pass its share
      // while the next job, left with fewer slots, stays more than a chunk below its own
      give = Math.max(1, Math.min(free, j.deficit(total, weights) / weights));
    }
    List<Credit<W>> credits = new ArrayList<>();
    int slots = 0;
    for (Map.Entry<W, WorkerSlot> e : workers.entrySet()) {
      WorkerSlot w = e.getValue();
      if (w.draining) {
        continue;
      }
      slots += w.slots;
      int c = (int) Math.min(w.credits(), give);
      if (c > 0) {
        credits.add(new Credit<>(e.getKey(), c));
        w.sent += c;
        give -= c;
      }
    }
    return new Offer<>(head.getKey(), List.copyOf(credits), slots, false);
  }

  private static long chunks(List<? extends Credit<?>> credits) {
    long n = 0;
    for (Credit<?> c : credits) {
      n += c.chunks();
    }
    return n;
  }

  /**
   * For the first job in serving order that wants a suspect chunk run alone, reserves a worker (the one holding
   * least), gives it nothing more, and once it is empty offers it to that job alone. While that
   * reserved worker is still emptying, the other workers go on being offered as usual, and a
   * younger job's reserved worker is offered to it even while an older job waits for a worker to
   * reserve.
   */
  private Offer<W> isolate() {
    for (Map.Entry<String, JobSlot> e : servingOrder()) {
      if (!e.getValue().wantsIsolation) {
        continue;
      }
      String jobId = e.getKey();
      Map.Entry<W, WorkerSlot> reserved = workers.entrySet().stream()
          .filter(w -> jobId.equals(w.getValue().reservedFor))
          .findFirst()
          .orElseGet(() -> workers.entrySet().stream()
              .filter(w -> w.getValue().reservedFor == null && !w.getValue().draining)
              .min(Comparator.comparingLong(w -> w.getValue().holding()))
              .orElse(null));
      if (reserved == null) {
        // every worker is reserved for a younger job: those must still get their offers, or all wait
        continue;
      }
      WorkerSlot w = reserved.getValue();
      if (w.reservedFor == null) {
        w.reservedFor = jobId;
        onReserve.accept(jobId, reserved.getKey());
      }
      if (w.isolationRunning || !w.idle()) {
        continue;
      }
      w.isolationRunning = true;
      w.sent += 1;
      e.getValue().wantsIsolation = false;
      return new Offer<>(jobId, List.of(new Credit<>(reserved.getKey(), 1)), w.slots, true);
    }
    return null;
  }

  private void giveBack(List<Credit<W>> credits) {
    for (Credit<W> c : credits) {
      WorkerSlot w = workers.get(c.worker());
      if (w != null) {
        w.sent -= c.chunks();
        if (w.reservedFor != null) {
          // a reserved worker is only ever offered alone: its suspect chunk was not taken after all
          w.endReservation();
        }
      }
    }
  }
}
