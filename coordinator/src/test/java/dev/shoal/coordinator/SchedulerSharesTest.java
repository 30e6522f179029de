package dev.shoal.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.shoal.coordinator.Scheduler.Credit;
import dev.shoal.coordinator.Scheduler.Offer;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Priorities and fair share in the scheduler, by example: which job each offer goes to, and how much it carries. */
class SchedulerSharesTest {

  private final Scheduler<String> fifo = new Scheduler<>(SchedulingPolicy.FIFO, (job, worker) -> {});
  private final Scheduler<String> fair = new Scheduler<>(SchedulingPolicy.FAIR, (job, worker) -> {});

  @Test
  void aHigherPriorityJobSubmittedLaterGetsEveryFreeSlotFirst() {
    fifo.jobAdded("batch", 0, 1);
    fifo.jobAdded("urgent", 5, 1);
    fifo.demand("w", 3, 0, 3, 0, false);

    assertEquals(new Offer<>("urgent", List.of(new Credit<>("w", 3)), 3, false), fifo.next().orElseThrow());
    assertEquals(List.of("urgent", "batch"), fifo.jobOrder());
  }

  @Test
  void runningChunksAreNotTakenBackForAHigherPriorityOnlyFreedSlotsGoToIt() {
    fifo.jobAdded("batch", 0, 1);
    fifo.demand("w", 2, 0, 2, 0, false);
    fifo.next().orElseThrow();
    fifo.offerAnswered("batch", List.of(), true, false);
    fifo.jobAdded("urgent", 1, 1);

    // the worker runs batch's two chunks: nothing is free, so nothing is offered to anybody
    fifo.demand("w", 0, 2, 2, 2, false);
    assertEquals(Optional.empty(), fifo.next());

    // one of batch's chunks ends: the freed slot goes to urgent, though batch still has work
    fifo.demand("w", 1, 2, 2, 1, false);
    assertEquals(new Offer<>("urgent", List.of(new Credit<>("w", 1)), 2, false), fifo.next().orElseThrow());
  }

  @Test
  void aLowerPriorityGetsTheSlotsAHigherOneHasNoWorkFor() {
    fifo.jobAdded("batch", 0, 1);
    fifo.jobAdded("urgent", 9, 1);
    fifo.demand("w", 4, 0, 4, 0, false);
    assertEquals("urgent", fifo.next().orElseThrow().jobId());
    // urgent took one chunk and has nothing more for now
    fifo.offerAnswered("urgent", List.of(new Credit<>("w", 3)), false, false);

    assertEquals(new Offer<>("batch", List.of(new Credit<>("w", 3)), 4, false), fifo.next().orElseThrow());
  }

  @Test
  void underFifoTheOldestJobOfAPriorityGetsEverySlotHoweverMuchItHolds() {
    fifo.jobAdded("giant", 0, 1);
    fifo.jobAdded("small", 0, 1);
    fifo.demand("w", 4, 0, 4, 0, false);
    fifo.next().orElseThrow();
    fifo.offerAnswered("giant", List.of(), true, false);
    fifo.demand("w", 1, 4, 4, 3, false);

    assertEquals(new Offer<>("giant", List.of(new Credit<>("w", 1)), 4, false), fifo.next().orElseThrow());
  }

  @Test
  void underFairAFreedSlotGoesToTheJobFurthestBelowItsShareEvenIfItCameLater() {
    fair.jobAdded("giant", 0, 1);
    fair.demand("w", 4, 0, 4, 0, false);
    assertEquals(new Offer<>("giant", List.of(new Credit<>("w", 4)), 4, false), fair.next().orElseThrow());
    fair.offerAnswered("giant", List.of(), true, false);
    assertEquals(4, fair.jobHolding("giant"), "what an offer took counts as held");
    fair.jobAdded("small", 0, 1);

    // one of giant's chunks ends
    fair.jobHolds("giant", 3);
    fair.demand("w", 1, 4, 4, 3, false);
    assertEquals(new Offer<>("small", List.of(new Credit<>("w", 1)), 4, false), fair.next().orElseThrow());
    fair.offerAnswered("small", List.of(), true, false);

    // another: small holds 1 against giant's 2, so small again, up to an even split
    fair.jobHolds("giant", 2);
    fair.demand("w", 1, 5, 4, 3, false);
    assertEquals("small", fair.next().orElseThrow().jobId());
    fair.offerAnswered("small", List.of(), true, false);
    assertEquals(2, fair.jobHolding("small"));

    // one of small's chunks ends: it holds 1 against giant's 2
    fair.jobHolds("small", 1);
    fair.demand("w", 1, 6, 4, 3, false);
    assertEquals("small", fair.next().orElseThrow().jobId(), "small holds 1 against giant's 2");
  }

  @Test
  void underFairFreeSlotsAreSplitByWeightOneOfferPerJobUpToItsShare() {
    fair.jobAdded("light", 0, 1);
    fair.jobAdded("heavy", 0, 3);
    fair.demand("w1", 2, 0, 2, 0, false);
    fair.demand("w2", 2, 0, 2, 0, false);

    // both hold nothing: heavy is furthest below its share (3 of the 4), and gets just that
    Offer<String> first = fair.next().orElseThrow();
    assertEquals(new Offer<>("heavy", List.of(new Credit<>("w1", 2), new Credit<>("w2", 1)), 4, false), first);
    fair.offerAnswered("heavy", List.of(), true, false);

    Offer<String> second = fair.next().orElseThrow();
    assertEquals(new Offer<>("light", List.of(new Credit<>("w2", 1)), 4, false), second);
    fair.offerAnswered("light", List.of(), true, false);
    assertEquals(1, fair.jobHolding("light"));
    assertEquals(3, fair.jobHolding("heavy"));
    assertEquals(Optional.empty(), fair.next());
  }

  @Test
  void underFairAJobThatCannotUseItsShareLeavesTheRestToTheOthers() {
    fair.jobAdded("a", 0, 1);
    fair.jobAdded("b", 0, 1);
    fair.demand("w", 4, 0, 4, 0, false);
    assertEquals(new Offer<>("a", List.of(new Credit<>("w", 2)), 4, false), fair.next().orElseThrow());
    // a is at its own limit after one chunk
    fair.offerAnswered("a", List.of(new Credit<>("w", 1)), false, false);

    assertEquals(new Offer<>("b", List.of(new Credit<>("w", 3)), 4, false), fair.next().orElseThrow());
  }

  @Test
  void underFairAHigherPriorityStillComesFirst() {
    fair.jobAdded("small", 0, 1);
    fair.jobAdded("urgent", 1, 1);
    fair.demand("w", 4, 0, 4, 0, false);

    assertEquals(new Offer<>("urgent", List.of(new Credit<>("w", 4)), 4, false), fair.next().orElseThrow());
  }
}
