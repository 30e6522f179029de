package dev.shoal.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** How many chunks a worker holds beyond its slots, as its chunks get shorter or longer. */
class PrefetchTest {

  private static final long MS = 1_000_000;

  /** Results wait for more only behind short chunks, and only while more than half the queue is left. */
  @Test
  void resultsWaitOnlyBehindShortChunksWhileMoreThanHalfTheQueueIsLeft() {
    Prefetch p = new Prefetch(2, 64, 5 * MS);
    p.observe(100 * MS);
    assertFalse(p.resultsWait(2, 2), "long chunks: results leave at once");
    Prefetch s = new Prefetch(2, 64, 5 * MS);
    s.observe(MS / 10);
    int held = s.chunks(2);
    assertTrue(held > 2, "short chunks hold more than the minimum: " + held);
    assertTrue(s.resultsWait(held / 2 + 1, 2));
    assertFalse(s.resultsWait(held / 2, 2), "half the queue left: the refill demand must go");
  }

  /**
   * Behind short chunks, a demand that asked for chunks holds back the next ones until chunks come or
   * nothing is left to run; one that asked for none does not, nor does any behind chunks long enough
   * to need only the minimum.
   */
  @Test
  void demandWaitsOnlyBehindShortChunksWhileChunksItAskedForHaveNotCome() {
    Prefetch p = new Prefetch(2, 64, 5 * MS);
    p.observe(MS / 10);
    assertFalse(p.demandWaits(1), "nothing asked yet");
    p.demanded(3, 2);
    assertTrue(p.demandWaits(1));
    assertFalse(p.demandWaits(0), "nothing left to run: an idle worker states its room at once");
    p.arrived();
    assertFalse(p.demandWaits(1), "the refill came: the next demand goes");
    p.demanded(0, 2);
    assertFalse(p.demandWaits(1), "a full (or draining) worker asked for nothing: a freed slot must be told");

    Prefetch slow = new Prefetch(2, 64, 5 * MS);
    slow.observe(100 * MS);
    slow.demanded(3, 2);
    assertFalse(slow.demandWaits(1), "long chunks: each freed slot is asked for at once");
  }

  @Test
  void beforeAnyChunkHasRunAWorkerHoldsTheMinimum() {
    assertEquals(2, new Prefetch(2, 64, 5 * MS).chunks(4));
  }

  @Test
  void longChunksNeedNoMoreThanTheMinimum() {
    Prefetch p = new Prefetch(2, 64, 5 * MS);
    p.observe(100 * MS);
    assertEquals(2, p.chunks(4), "4 slots × 5 ms of cover is a fraction of one 100 ms chunk");
  }

  @Test
  void shortChunksAreHeldEnoughToCoverTheRoundTripForEverySlot() {
    Prefetch p = new Prefetch(2, 64, 5 * MS);
    p.observe(MS);
    assertEquals(10, p.chunks(2), "2 slots × 5 ms of cover at 1 ms a chunk");
  }

  @Test
  void chunksOfMicrosecondsAreHeldUpToTheMaximum() {
    Prefetch p = new Prefetch(2, 64, 5 * MS);
    p.observe(20_000);
    assertEquals(64, p.chunks(2));
  }

  @Test
  void aFixedPrefetchNeverMoves() {
    Prefetch p = new Prefetch(3, 3, 5 * MS);
    p.observe(1_000);
    assertEquals(3, p.chunks(8));
  }

  @Test
  void theQueueFollowsTheChunksPaceAsItChanges() {
    Prefetch p = new Prefetch(2, 64, 5 * MS);
    for (int i = 0; i < 50; i++) {
      p.observe(20_000);
    }
    assertEquals(64, p.chunks(2));
    for (int i = 0; i < 50; i++) {
      p.observe(200 * MS);
    }
    assertEquals(2, p.chunks(2), "once chunks are long again, the queue is back to the minimum");
  }

  @Test
  void whateverTheChunkTimesTheQueueStaysWithinItsBounds() {
    Random random = new Random(20261203);
    Prefetch p = new Prefetch(2, 64, 5 * MS);
    for (int i = 0; i < 10_000; i++) {
      p.observe(random.nextInt(3) == 0 ? -random.nextInt(1000) : (long) Math.pow(10, 3 + random.nextDouble() * 7));
      int held = p.chunks(1 + random.nextInt(64));
      assertTrue(held >= 2 && held <= 64, "held " + held + " after " + i + " chunks");
    }
  }

  @Test
  void boundsThatContradictEachOtherAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> new Prefetch(4, 2, MS));
    assertThrows(IllegalArgumentException.class, () -> new Prefetch(-1, 2, MS));
  }

  @Test
  void slotsThatKeepFinishingNeverStall() {
    Prefetch p = new Prefetch(2, 64, 5 * MS, 100 * MS);
    long now = 0;
    for (int i = 0; i < 100; i++) {
      now += 90 * MS;
      p.progressed(now);
      assertFalse(p.stallsAt(now + 90 * MS), "a chunk finishes every 90 ms, within the 100 ms patience");
    }
  }

  @Test
  void slotsThatFinishNothingForThePatienceStallOnceAndHoldNothingBeyondThemUntilAChunkEnds() {
    Prefetch p = new Prefetch(2, 64, 5 * MS, 100 * MS);
    p.progressed(0);
    assertFalse(p.stallsAt(100 * MS));
    assertTrue(p.stallsAt(101 * MS), "nothing started or finished for longer than the patience");
    assertFalse(p.stallsAt(200 * MS), "stalled once: the queue is handed back once");
    assertTrue(p.stalled());
    assertEquals(0, p.chunks(4), "a stalled worker holds nothing beyond its slots");
    p.observe(30 * 1000 * MS);
    assertFalse(p.stalled(), "a chunk ended");
    assertEquals(2, p.chunks(4));
  }

  @Test
  void thePatienceIsFourAverageChunksWhenThatIsLongerThanTheFloor() {
    Prefetch p = new Prefetch(2, 64, 5 * MS, 100 * MS);
    assertEquals(100 * MS, p.patienceNanos(), "no chunk timed yet: the floor");
    p.observe(10 * MS);
    assertEquals(100 * MS, p.patienceNanos());
    p.observe(1000 * MS);
    p.progressed(0);
    assertTrue(p.patienceNanos() > 100 * MS, "long chunks: a slot busy for one of them is not a stall");
    assertFalse(p.stallsAt(p.patienceNanos()));
  }
}
