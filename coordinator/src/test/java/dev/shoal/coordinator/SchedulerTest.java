package dev.shoal.coordinator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shoal.coordinator.Scheduler.Credit;
import dev.shoal.coordinator.Scheduler.Offer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The coordinator's scheduling rules, on their own: workers are named by strings here. */
class SchedulerTest {

  private final List<String> reservations = new ArrayList<>();
  private final Scheduler<String> scheduler = new Scheduler<>((job, worker) -> reservations.add(job + "@" + worker));

  @Test
  void aWorkerIsOfferedWhatItAskedForLessWhatWasSentSinceItsLastStatement() {
    scheduler.jobAdded("a");
    scheduler.demand("w", 3, 0, 1, 0, false);

    Offer<String> offer = scheduler.next().orElseThrow();
    assertEquals(new Offer<>("a", List.of(new Credit<>("w", 3)), 1, false), offer);
    assertEquals(0, scheduler.credits("w"), "every credit is out with the offer");

    // the job used two: one credit comes back, two chunks are on their way to the worker
    scheduler.offerAnswered("a", List.of(new Credit<>("w", 1)), true, false);
    assertEquals(1, scheduler.credits("w"));
    assertEquals(2, scheduler.holding("w"));

    // the worker has them now and says it can take one more
    scheduler.demand("w", 1, 2, 1, 2, false);
    assertEquals(1, scheduler.credits("w"));
    assertEquals(2, scheduler.holding("w"));
  }

  @Test
  void creditsNeverGoNegativeWhenAWorkerAsksForLessThanIsOnItsWay() {
    scheduler.jobAdded("a");
    scheduler.demand("w", 4, 0, 1, 0, false);
    scheduler.next().orElseThrow();
    scheduler.offerAnswered("a", List.of(), true, false);
    // a restated demand from before the four arrived, now with less room
    scheduler.demand("w", 1, 0, 1, 3, false);
    assertEquals(0, scheduler.credits("w"));
    assertEquals(Optional.empty(), scheduler.next());
  }

  @Test
  void onlyOneOfferIsInFlightAtATime() {
    scheduler.jobAdded("a");
    scheduler.jobAdded("b");
    scheduler.demand("w1", 2, 0, 1, 0, false);
    assertEquals("a", scheduler.next().orElseThrow().jobId());

    // new capacity arrives while a's offer is unanswered: it waits, so b cannot overtake a
    scheduler.demand("w2", 2, 0, 1, 0, false);
    assertEquals(Optional.empty(), scheduler.next());

    scheduler.offerAnswered("a", List.of(), true, false);
    Offer<String> second = scheduler.next().orElseThrow();
    assertEquals("a", second.jobId());
    assertEquals(List.of(new Credit<>("w2", 2)), second.credits());
  }

  @Test
  void theOldestJobWithWorkGetsEveryFreeCreditBeforeAYoungerOne() {
    scheduler.jobAdded("a");
    scheduler.jobAdded("b");
    scheduler.jobAdded("c");
    scheduler.demand("w1", 2, 0, 1, 0, false);
    scheduler.demand("w2", 1, 0, 1, 0, false);
    Offer<String> first = scheduler.next().orElseThrow();
    assertEquals("a", first.jobId());
    assertEquals(List.of(new Credit<>("w1", 2), new Credit<>("w2", 1)), first.credits());
    assertEquals(2, first.slots());

    // a has nothing more for now and hands everything back: the next in line gets it all
    scheduler.offerAnswered("a", first.credits(), false, false);
    assertEquals(new Offer<>("b", first.credits(), 2, false), scheduler.next().orElseThrow());
    scheduler.offerAnswered("b", List.of(), false, false);

    // a has work again: it is ahead of c
    scheduler.demand("w1", 2, 2, 1, 0, false);
    scheduler.jobWork("a", true, false);
    assertEquals("a", scheduler.next().orElseThrow().jobId());
    assertEquals(List.of("a", "b", "c"), scheduler.jobOrder());
  }

  @Test
  void aJobThatEndsWithAnOfferInFlightGivesItsCreditsBackAndTheNextJobGetsThem() {
    scheduler.jobAdded("a");
    scheduler.jobAdded("b");
    scheduler.demand("w", 2, 0, 1, 0, false);
    scheduler.next().orElseThrow();

    assertTrue(scheduler.jobEnded("a"));
    assertEquals(Optional.empty(), scheduler.inFlight());
    assertEquals(new Offer<>("b", List.of(new Credit<>("w", 2)), 1, false), scheduler.next().orElseThrow());
  }

  @Test
  void aWorkerThatReceivedMoreThanWasCountedIsCountedAfreshFromWhatItSays() {
    // a job failed mid-offer: its credits came back whole although it had sent two chunks
    scheduler.jobAdded("a");
    scheduler.jobAdded("b");
    scheduler.demand("w", 3, 0, 1, 0, false);
    scheduler.next().orElseThrow();
    scheduler.jobEnded("a");
    scheduler.next().orElseThrow();
    scheduler.offerAnswered("b", List.of(new Credit<>("w", 3)), true, false);

    scheduler.demand("w", 1, 2, 1, 2, false);
    assertEquals(1, scheduler.credits("w"));
    assertEquals(2, scheduler.holding("w"));

    // from here on it is counted exactly: one more sent is one on its way, not absorbed by the miss
    scheduler.next().orElseThrow();
    scheduler.offerAnswered("b", List.of(), true, false);
    scheduler.demand("w", 1, 2, 1, 2, false);
    assertEquals(0, scheduler.credits("w"));
    assertEquals(3, scheduler.holding("w"));
  }

  @Test
  void aDrainingWorkerIsOfferedNothingAndCountsNoSlots() {
    scheduler.jobAdded("a");
    scheduler.demand("w1", 2, 0, 4, 0, true);
    scheduler.demand("w2", 1, 0, 1, 0, false);
    Offer<String> offer = scheduler.next().orElseThrow();
    assertEquals(List.of(new Credit<>("w2", 1)), offer.credits());
    assertEquals(1, offer.slots());
  }

  @Test
  void aSuspectChunkWaitsForAReservedWorkerToEmptyAndThenRunsAloneOnIt() {
    scheduler.jobAdded("a");
    scheduler.demand("busy", 1, 0, 1, 1, false);
    scheduler.demand("idle", 2, 0, 1, 0, false);
    scheduler.jobWork("a", true, true);

    // the least loaded worker is reserved and offered alone, one chunk, to the job that asked
    Offer<String> isolated = scheduler.next().orElseThrow();
    assertEquals(new Offer<>("a", List.of(new Credit<>("idle", 1)), 1, true), isolated);
    assertEquals(List.of("a@idle"), reservations);
    scheduler.offerAnswered("a", List.of(), true, false);

    // while its suspect runs, the reserved worker gets nothing more; the others go on
    Offer<String> normal = scheduler.next().orElseThrow();
    assertEquals(List.of(new Credit<>("busy", 1)), normal.credits());
    scheduler.offerAnswered("a", List.of(), true, false);
    assertEquals(0, scheduler.credits("idle"));

    scheduler.isolationDone("a", "idle");
    scheduler.demand("idle", 2, 1, 1, 0, false);
    assertEquals(Optional.empty(), scheduler.reservedFor("idle"));
    assertEquals(2, scheduler.credits("idle"));
  }

  @Test
  void aReservedWorkerIsNotOfferedUntilItHoldsNothing() {
    scheduler.jobAdded("a");
    scheduler.demand("w", 1, 0, 1, 1, false);
    scheduler.jobWork("a", true, true);
    assertEquals(Optional.empty(), scheduler.next(), "its running chunk must end first");
    assertEquals(Optional.of("a"), scheduler.reservedFor("w"));

    scheduler.demand("w", 2, 0, 1, 0, false);
    assertTrue(scheduler.next().orElseThrow().isolated());
  }

  @Test
  void aWorkerIsReservedForOneJobAtATime() {
    scheduler.jobAdded("a");
    scheduler.jobAdded("b");
    scheduler.demand("w", 2, 0, 1, 1, false);
    scheduler.jobWork("a", true, true);
    scheduler.jobWork("b", true, true);
    scheduler.next();
    scheduler.next();
    assertEquals(Optional.of("a"), scheduler.reservedFor("w"));
    assertEquals(List.of("a@w"), reservations, "b waits: the only worker is a's");

    scheduler.jobEnded("a");
    scheduler.demand("w", 2, 0, 1, 0, false);
    assertEquals(new Offer<>("b", List.of(new Credit<>("w", 1)), 1, true), scheduler.next().orElseThrow());
    assertEquals(List.of("a@w", "b@w"), reservations);
  }

  @Test
  void aYoungerJobsReservedWorkerIsOfferedWhileAnOlderJobWaitsForOne() {
    scheduler.jobAdded("a");
    scheduler.jobAdded("b");
    scheduler.demand("w", 2, 0, 1, 1, false);
    scheduler.jobWork("b", true, true);
    scheduler.next();
    assertEquals(Optional.of("b"), scheduler.reservedFor("w"));

    // a now wants its own suspect run alone, but the only worker is b's
    scheduler.jobWork("a", true, true);
    scheduler.demand("w", 2, 0, 1, 0, false);
    assertEquals(new Offer<>("b", List.of(new Credit<>("w", 1)), 1, true), scheduler.next().orElseThrow());
    scheduler.offerAnswered("b", List.of(), true, false);

    // once b's suspect is done, a gets the worker
    scheduler.isolationDone("b", "w");
    scheduler.demand("w", 2, 1, 1, 0, false);
    assertEquals(new Offer<>("a", List.of(new Credit<>("w", 1)), 1, true), scheduler.next().orElseThrow());
  }

  @Test
  void aSuspectOfferHandedBackUnusedEndsTheReservation() {
    scheduler.jobAdded("a");
    scheduler.demand("w", 2, 0, 1, 0, false);
    scheduler.jobWork("a", true, true);
    Offer<String> isolated = scheduler.next().orElseThrow();
    scheduler.offerAnswered("a", isolated.credits(), true, false);
    assertEquals(Optional.empty(), scheduler.reservedFor("w"));
    assertEquals(2, scheduler.credits("w"));
  }

  @Test
  void aJobThatEndsFreesTheWorkerReservedForIt() {
    scheduler.jobAdded("a");
    scheduler.jobAdded("b");
    scheduler.demand("w", 2, 0, 1, 1, false);
    scheduler.jobWork("a", true, true);
    scheduler.next();
    assertEquals(Optional.of("a"), scheduler.reservedFor("w"));

    scheduler.jobEnded("a");
    assertEquals(Optional.empty(), scheduler.reservedFor("w"));
    assertEquals(new Offer<>("b", List.of(new Credit<>("w", 2)), 1, false), scheduler.next().orElseThrow());
  }

  @Test
  void aWorkerThatLeavesIsNeverOfferedAgainAndItsPartOfAnOfferComesBackToNobody() {
    scheduler.jobAdded("a");
    scheduler.demand("w1", 2, 0, 1, 0, false);
    scheduler.demand("w2", 2, 0, 1, 0, false);
    Offer<String> offer = scheduler.next().orElseThrow();

    assertTrue(scheduler.workerGone("w1"));
    assertFalse(scheduler.knows("w1"));
    scheduler.offerAnswered("a", offer.credits(), true, false);
    assertEquals(0, scheduler.credits("w1"));
    assertEquals(new Offer<>("a", List.of(new Credit<>("w2", 2)), 1, false), scheduler.next().orElseThrow());

    // the same worker coming back is a new worker, counted from what it says it received
    assertTrue(scheduler.demand("w1", 2, 7, 1, 0, false));
    assertEquals(2, scheduler.credits("w1"));
  }

  @Test
  void withNoJobOrNoWorkThereIsNoOffer() {
    scheduler.demand("w", 2, 0, 1, 0, false);
    assertEquals(Optional.empty(), scheduler.next());
    scheduler.jobAdded("a");
    scheduler.jobWork("a", false, false);
    assertEquals(Optional.empty(), scheduler.next());
    assertFalse(scheduler.jobEnded("nope"));
  }
}
