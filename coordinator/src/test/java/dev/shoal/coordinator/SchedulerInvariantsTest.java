package dev.shoal.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shoal.coordinator.Scheduler.Credit;
import dev.shoal.coordinator.Scheduler.Offer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The scheduler driven by seeded random histories of a small simulated cluster: workers that
 * receive, run and finish chunks and state their demand; jobs that use part of their offers, want
 * suspect chunks run alone, end, or fail in the middle of an offer; workers that leave and join.
 * Jobs have random priorities and weights, and every history runs under both policies. After every
 * step the scheduler's promises must hold (among them: each ordinary offer goes to the highest
 * priority with work, there to the oldest job under fifo and to the one furthest below its
 * weight's share under fair; the chunks it counts per job are the chunks that job has out), and once the
 * history stops every job's work gets done. A failure names its policy and seed, which replay it.
 */
class SchedulerInvariantsTest {

  private static final int SEEDS = 300;
  private static final int STEPS = 400;

  private record Chunk(String job, boolean isolated) {}

  private static final class SimWorker {
    final int capacity;
    final ArrayDeque<Chunk> inbox = new ArrayDeque<>();
    final ArrayDeque<Chunk> held = new ArrayDeque<>();
    long received;
    /** Chunks sent beyond its demand by jobs that failed mid-offer: the one overshoot the scheduler allows. */
    long overshoot;

    SimWorker(int capacity) {
      this.capacity = capacity;
    }
  }

  private static final class SimJob {
    int priority;
    int weight;
    int work;
    int suspects;
    String isolatedOn;
  }

  @Test
  void randomHistoriesKeepEveryPromiseAndFinishEveryJob() {
    for (SchedulingPolicy p : SchedulingPolicy.values()) {
      for (long seed = 1; seed <= SEEDS; seed++) {
        try {
          policy = p;
          run(seed);
        } catch (AssertionError e) {
          throw new AssertionError(p + " seed " + seed + ": " + e.getMessage(), e);
        }
      }
    }
  }

  private SchedulingPolicy policy = SchedulingPolicy.FIFO;

  private final Map<String, SimWorker> workers = new LinkedHashMap<>();
  private final Map<String, SimJob> jobs = new LinkedHashMap<>();
  private Scheduler<String> scheduler;
  private Random random;
  private int nextWorker;
  private int nextJob;

  private void run(long seed) {
    workers.clear();
    jobs.clear();
    scheduler = new Scheduler<>(policy, (job, worker) -> {});
    random = new Random(seed);
    nextWorker = 0;
    nextJob = 0;
    for (int i = 0; i < 3; i++) {
      joinWorker();
      addJob();
    }
    for (int step = 0; step < STEPS; step++) {
      randomStep();
      decide();
      checkInvariants();
    }
    // the history stops: jobs answer every offer fully and workers run everything and say so
    for (int round = 0; round < 10_000 && jobs.values().stream().anyMatch(j -> j.work > 0 || j.suspects > 0); round++) {
      scheduler.inFlight().ifPresent(this::answer);
      for (String w : List.copyOf(workers.keySet())) {
        receiveAll(w);
        while (!workers.get(w).held.isEmpty()) {
          finishOne(w);
        }
        state(w);
      }
      decide();
      checkInvariants();
    }
    jobs.forEach((id, j) -> assertEquals(0, j.work + j.suspects, "job " + id + " stalled with work left: " + dump()));
  }

  private void randomStep() {
    int r = random.nextInt(100);
    List<String> ws = List.copyOf(workers.keySet());
    String w = ws.isEmpty() ? null : ws.get(random.nextInt(ws.size()));
    if (r < 25) {
      scheduler.inFlight().ifPresent(this::answer);
    } else if (r < 40 && w != null) {
      if (!workers.get(w).inbox.isEmpty()) {
        receiveOne(w);
      }
    } else if (r < 55 && w != null) {
      if (!workers.get(w).held.isEmpty()) {
        finishOne(w);
      }
    } else if (r < 75 && w != null) {
      state(w);
    } else if (r < 79) {
      addJob();
    } else if (r < 83) {
      scheduler.inFlight().ifPresent(this::failMidOffer);
    } else if (r < 86 && !jobs.isEmpty()) {
      // a job ends for its own reasons (cancelled), whether or not an offer is on its way to it
      String id = List.copyOf(jobs.keySet()).get(random.nextInt(jobs.size()));
      jobs.remove(id);
      scheduler.jobEnded(id);
    } else if (r < 90 && !jobs.isEmpty()) {
      // a chunk of some job lost its worker: the job wants it run alone
      String id = List.copyOf(jobs.keySet()).get(random.nextInt(jobs.size()));
      SimJob j = jobs.get(id);
      j.suspects++;
      scheduler.jobWork(id, j.work > 0, wantsIsolation(j));
    } else if (r < 93 && w != null && workers.size() > 1) {
      leave(w);
    } else if (r < 96) {
      joinWorker();
    }
  }

  private void decide() {
    boolean wasInFlight = scheduler.inFlight().isPresent();
    Optional<Offer<String>> offer = scheduler.next();
    if (wasInFlight) {
      assertTrue(offer.isEmpty(), "a second offer while one is in flight");
    }
    // what was free when the offer was cut: what is left now and what the offer carries
    free = workers.keySet().stream().mapToLong(scheduler::credits).sum()
        + offer.map(o -> o.credits().stream().mapToLong(Credit::chunks).sum()).orElse(0L);
    offer.ifPresent(this::checkOffer);
  }

  private long free;

  private void checkOffer(Offer<String> offer) {
    assertTrue(jobs.containsKey(offer.jobId()), "offer to a job that ended: " + offer);
    assertTrue(!offer.credits().isEmpty(), "an empty offer");
    Set<String> seen = new HashSet<>();
    for (Credit<String> c : offer.credits()) {
      assertTrue(c.chunks() > 0, "a credit of " + c.chunks());
      assertTrue(seen.add(c.worker()), "a worker twice in one offer: " + offer);
      assertTrue(workers.containsKey(c.worker()), "a worker that left is offered: " + offer);
      Optional<String> reserved = scheduler.reservedFor(c.worker());
      if (offer.isolated()) {
        assertEquals(Optional.of(offer.jobId()), reserved, "an isolated offer of a worker not reserved for the job");
        // exact only for a worker never sent chunks uncounted (by a job that failed mid-offer)
        SimWorker sw = workers.get(c.worker());
        if (sw.overshoot == 0) {
          assertTrue(sw.inbox.isEmpty() && sw.held.isEmpty(),
              "a suspect sent to a worker that is not empty: " + sw.inbox + " " + sw.held);
        }
      } else {
        assertEquals(Optional.empty(), reserved, "a reserved worker in an ordinary offer");
      }
    }
    if (offer.isolated()) {
      assertEquals(1, offer.credits().size());
      assertEquals(1, offer.credits().get(0).chunks());
    } else {
      checkChosen(offer.jobId());
    }
  }

  /** The job an ordinary offer goes to is the one the policy names among the jobs with work. */
  private void checkChosen(String chosen) {
    int top = jobs.values().stream().filter(j -> j.work > 0).mapToInt(j -> j.priority).max().orElseThrow();
    SimJob c = jobs.get(chosen);
    assertEquals(top, c.priority, "an offer to " + chosen + " while a higher priority has work: " + dump());
    for (Map.Entry<String, SimJob> e : jobs.entrySet()) {
      SimJob o = e.getValue();
      if (o.work == 0 || o.priority != top || e.getKey().equals(chosen)) {
        continue;
      }
      if (policy == SchedulingPolicy.FIFO) {
        assertTrue(Integer.parseInt(chosen.substring(1)) < Integer.parseInt(e.getKey().substring(1)),
            "under fifo " + chosen + " was served before the older " + e.getKey() + ": " + dump());
      } else {
        assertTrue(deficit(chosen, top) >= deficit(e.getKey(), top),
            "under fair " + chosen + " (" + held(chosen) + "/" + c.weight + ") was served before "
                + e.getKey() + " (" + held(e.getKey()) + "/" + o.weight + "), which is further below its share: "
                + dump());
      }
    }
  }

  /**
   * How far the job is below its weight's share of the chunks its priority's jobs with work hold
   * plus those free, times the sum of their weights.
   */
  private long deficit(String job, int priority) {
    long total = free;
    long weights = 0;
    for (Map.Entry<String, SimJob> e : jobs.entrySet()) {
      if (e.getValue().work > 0 && e.getValue().priority == priority) {
        total += held(e.getKey());
        weights += e.getValue().weight;
      }
    }
    return total * jobs.get(job).weight - held(job) * weights;
  }

  /** Chunks of the job in workers' inboxes or running. */
  private long held(String job) {
    return workers.values().stream()
        .mapToLong(w -> w.inbox.stream().filter(c -> c.job().equals(job)).count()
            + w.held.stream().filter(c -> c.job().equals(job)).count())
        .sum();
  }

  private void checkInvariants() {
    Map<String, Integer> reservedPerJob = new HashMap<>();
    for (Map.Entry<String, SimWorker> e : workers.entrySet()) {
      SimWorker w = e.getValue();
      assertTrue(scheduler.credits(e.getKey()) >= 0, "negative credits");
      long holds = w.inbox.size() + w.held.size();
      assertTrue(holds <= w.capacity + w.overshoot,
          e.getKey() + " holds " + holds + " with room for " + w.capacity + " (+" + w.overshoot + " allowed once)");
      scheduler.reservedFor(e.getKey()).ifPresent(j -> reservedPerJob.merge(j, 1, Integer::sum));
    }
    reservedPerJob.forEach((j, n) -> assertEquals(1, n, "job " + j + " has " + n + " reserved workers"));
    if (scheduler.inFlight().isEmpty()) {
      // neither lost nor doubled: what the scheduler counts per job is what that job has out
      for (String j : jobs.keySet()) {
        assertEquals(held(j), scheduler.jobHolding(j), "chunks counted for " + j + ": " + dump());
      }
    }
  }

  /** The job uses as much of the offer as it has work for, round robin, and hands the rest back. */
  private void answer(Offer<String> offer) {
    SimJob j = jobs.get(offer.jobId());
    List<Credit<String>> leftover = new ArrayList<>();
    if (offer.isolated()) {
      String w = offer.credits().get(0).worker();
      if (j.suspects > 0 && j.isolatedOn == null && workers.containsKey(w)) {
        j.suspects--;
        j.isolatedOn = w;
        workers.get(w).inbox.add(new Chunk(offer.jobId(), true));
      } else {
        leftover.add(offer.credits().get(0));
      }
    } else {
      for (Credit<String> c : offer.credits()) {
        // a worker that left meanwhile gets nothing: its credit comes back unused
        int use = workers.containsKey(c.worker()) ? Math.min(j.work, random.nextInt(c.chunks() + 1)) : 0;
        j.work -= use;
        for (int i = 0; i < use && workers.containsKey(c.worker()); i++) {
          workers.get(c.worker()).inbox.add(new Chunk(offer.jobId(), false));
        }
        if (use < c.chunks()) {
          leftover.add(new Credit<>(c.worker(), c.chunks() - use));
        }
      }
    }
    scheduler.offerAnswered(offer.jobId(), leftover, j.work > 0, wantsIsolation(j));
  }

  /** The job's actor throws after sending some of its offer: nobody learns how much. */
  private void failMidOffer(Offer<String> offer) {
    if (!offer.isolated()) {
      for (Credit<String> c : offer.credits()) {
        int used = random.nextInt(c.chunks() + 1);
        SimWorker w = workers.get(c.worker());
        if (w != null) {
          for (int i = 0; i < used; i++) {
            w.inbox.add(new Chunk(offer.jobId(), false));
          }
          w.overshoot += used;
        }
      }
    }
    jobs.remove(offer.jobId());
    scheduler.jobEnded(offer.jobId());
  }

  private void receiveOne(String id) {
    SimWorker w = workers.get(id);
    w.held.add(w.inbox.poll());
    w.received++;
  }

  private void receiveAll(String id) {
    while (!workers.get(id).inbox.isEmpty()) {
      receiveOne(id);
    }
  }

  private void finishOne(String id) {
    Chunk c = workers.get(id).held.poll();
    SimJob j = jobs.get(c.job());
    if (j != null) {
      scheduler.jobHolds(c.job(), held(c.job()));
    }
    if (c.isolated() && j != null && id.equals(j.isolatedOn)) {
      j.isolatedOn = null;
      scheduler.isolationDone(c.job(), id);
      scheduler.jobWork(c.job(), j.work > 0, wantsIsolation(j));
    }
  }

  private void state(String id) {
    SimWorker w = workers.get(id);
    int wanted = (int) Math.max(0, w.capacity - w.held.size());
    scheduler.demand(id, wanted, w.received, 1, w.held.size(), false);
  }

  private void joinWorker() {
    String id = "w" + nextWorker++;
    workers.put(id, new SimWorker(1 + random.nextInt(4)));
    state(id);
  }

  /** The worker's node dies: its jobs re-queue what it held, a suspect it ran counts against it again. */
  private void leave(String id) {
    SimWorker w = workers.remove(id);
    scheduler.workerGone(id);
    List<Chunk> lost = new ArrayList<>(w.inbox);
    lost.addAll(w.held);
    for (Chunk c : lost) {
      SimJob j = jobs.get(c.job());
      if (j == null) {
        continue;
      }
      if (c.isolated() && id.equals(j.isolatedOn)) {
        j.isolatedOn = null;
        j.suspects++;
        scheduler.isolationDone(c.job(), id);
      } else {
        j.work++;
      }
      scheduler.jobHolds(c.job(), held(c.job()));
      scheduler.jobWork(c.job(), j.work > 0, wantsIsolation(j));
    }
  }

  private void addJob() {
    String id = "j" + nextJob++;
    SimJob j = new SimJob();
    j.work = 1 + random.nextInt(30);
    j.priority = random.nextInt(3);
    j.weight = 1 + random.nextInt(3);
    jobs.put(id, j);
    scheduler.jobAdded(id, j.priority, j.weight);
  }

  private String dump() {
    StringBuilder b = new StringBuilder("in flight " + scheduler.inFlight() + "; order " + scheduler.jobOrder());
    jobs.forEach((id, j) -> b.append("; ").append(id).append(" work ").append(j.work).append(" suspects ")
        .append(j.suspects).append(" on ").append(j.isolatedOn)
        .append(" priority ").append(j.priority).append(" weight ").append(j.weight)
        .append(" counted ").append(scheduler.jobHolding(id)));
    workers.forEach((id, w) -> b.append("; ").append(id).append(" credits ").append(scheduler.credits(id))
        .append(" holding ").append(scheduler.holding(id)).append(" reserved ").append(scheduler.reservedFor(id))
        .append(" inbox ").append(w.inbox).append(" held ").append(w.held));
    return b.toString();
  }

  private static boolean wantsIsolation(SimJob j) {
    return j.isolatedOn == null && j.suspects > 0;
  }
}
