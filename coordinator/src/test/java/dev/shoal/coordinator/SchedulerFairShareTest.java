package dev.shoal.coordinator;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shoal.coordinator.Scheduler.Credit;
import dev.shoal.coordinator.Scheduler.Offer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Fair share as a property, over seeded random clusters: jobs of one priority with endless work and
 * random weights; one to three chunks end on random workers, which state their demand, and then the
 * jobs take every offer whole. Once every chunk held before the last job arrived has ended, each
 * job holds its weight's share of the chunks held to within one chunk, after every round. A failure
 * names its seed, which replays it.
 */
class SchedulerFairShareTest {

  private static final int SEEDS = 200;
  private static final int STEPS = 600;

  private final Map<String, List<String>> running = new LinkedHashMap<>();
  private final Map<String, Integer> capacity = new LinkedHashMap<>();
  private final Map<String, Long> received = new LinkedHashMap<>();
  private final Map<String, Integer> weights = new LinkedHashMap<>();
  private Scheduler<String> scheduler;
  private Random random;

  @Test
  void onceEarlierChunksHaveTurnedOverEveryJobHoldsItsWeightsShareWithinOneChunk() {
    for (long seed = 1; seed <= SEEDS; seed++) {
      try {
        run(seed);
      } catch (AssertionError e) {
        throw new AssertionError("seed " + seed + ": " + e.getMessage(), e);
      }
    }
  }

  private void run(long seed) {
    running.clear();
    capacity.clear();
    received.clear();
    weights.clear();
    random = new Random(seed);
    scheduler = new Scheduler<>(SchedulingPolicy.FAIR, (job, worker) -> {});
    int nWorkers = 1 + random.nextInt(5);
    for (int i = 0; i < nWorkers; i++) {
      String w = "w" + i;
      running.put(w, new ArrayList<>());
      capacity.put(w, 1 + random.nextInt(4));
      received.put(w, 0L);
      state(w);
    }
    // a giant first, alone on the whole cluster; the others come while it holds every slot
    addJob("j0");
    serve();
    int nJobs = 2 + random.nextInt(4);
    for (int i = 1; i < nJobs; i++) {
      addJob("j" + i);
    }
    Set<Integer> before = new HashSet<>();
    running.values().forEach(l -> l.forEach(c -> before.add(System.identityHashCode(c))));
    for (int step = 0; step < STEPS; step++) {
      // one chunk or several end before the coordinator decides: one offer may carry many slots
      for (int ends = 1 + random.nextInt(3); ends > 0 && running.values().stream().anyMatch(l -> !l.isEmpty()); ends--) {
        finishOne();
      }
      serve();
      boolean turnedOver = running.values().stream()
          .flatMap(List::stream).noneMatch(c -> before.contains(System.identityHashCode(c)));
      if (turnedOver) {
        checkShares();
      }
    }
  }

  private void addJob(String id) {
    int weight = 1 + random.nextInt(4);
    weights.put(id, weight);
    scheduler.jobAdded(id, 0, weight);
  }

  /** Offers until none is left, each taken whole; the workers then say what they hold. */
  private void serve() {
    for (Optional<Offer<String>> o = scheduler.next(); o.isPresent(); o = scheduler.next()) {
      Offer<String> offer = o.get();
      for (Credit<String> c : offer.credits()) {
        for (int i = 0; i < c.chunks(); i++) {
          // a new String per chunk: identity marks the chunks held before the other jobs came
          running.get(c.worker()).add(new String(offer.jobId()));
        }
        received.merge(c.worker(), (long) c.chunks(), Long::sum);
      }
      scheduler.offerAnswered(offer.jobId(), List.of(), true, false);
      offer.credits().forEach(c -> state(c.worker()));
    }
  }

  private void finishOne() {
    List<String> busy = running.keySet().stream().filter(w -> !running.get(w).isEmpty()).toList();
    String w = busy.get(random.nextInt(busy.size()));
    List<String> chunks = running.get(w);
    String job = chunks.remove(random.nextInt(chunks.size()));
    scheduler.jobHolds(job, held(job));
    state(w);
  }

  private void state(String w) {
    int held = running.get(w).size();
    scheduler.demand(w, capacity.get(w) - held, received.get(w), capacity.get(w), held, false);
  }

  private long held(String job) {
    return running.values().stream().flatMap(List::stream).filter(job::equals).count();
  }

  private void checkShares() {
    long total = running.values().stream().mapToLong(List::size).sum();
    int weightSum = weights.values().stream().mapToInt(Integer::intValue).sum();
    for (Map.Entry<String, Integer> e : weights.entrySet()) {
      double share = (double) total * e.getValue() / weightSum;
      long held = held(e.getKey());
      assertTrue(Math.abs(held - share) <= 1.0,
          e.getKey() + " (weight " + e.getValue() + ") holds " + held + " of " + total + ", its share is " + share
              + "; weights " + weights + ", workers " + capacity);
    }
  }
}
