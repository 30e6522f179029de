package dev.shoal.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** How many chunks a worker holds beyond its slots, as its chunks get shorter or longer. */
class PrefetchTest {

  private static final long MS = 1_000_000;

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
}
