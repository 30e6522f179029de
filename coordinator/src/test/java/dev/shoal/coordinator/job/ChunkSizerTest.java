package dev.shoal.coordinator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.shoal.api.FunctionKind;
import org.junit.jupiter.api.Test;

/**
 * The rule of {@link ChunkSizer}'s Javadoc, with the defaults: max 10,000, max-io 1,000, initial 64,
 * target 100 ms, floor 1 ms. Each case names the term that decides it.
 */
class ChunkSizerTest {

  private static final long MS = 1_000_000;

  private static ChunkSizer sizer() {
    return new ChunkSizer(10_000, 1_000, 64, 100 * MS, MS);
  }

  /** A sizer that has seen items take {@code nanosPerItem} each. */
  private static ChunkSizer timed(long nanosPerItem) {
    ChunkSizer s = sizer();
    s.observe(1000, 1000 * nanosPerItem);
    assertEquals(nanosPerItem, s.nanosPerItem(), 1e-9);
    return s;
  }

  @Test
  void beforeAnyChunkIsTimedChunksAreAtMostInitial() {
    assertEquals(64, sizer().size(FunctionKind.CPU, 1_000_000, 4));
    // a stream: remaining unknown counts as unlimited
    assertEquals(64, sizer().size(FunctionKind.CPU, -1, 4));
  }

  @Test
  void aRangeOfNearly2To63ItemsStillGetsFullChunks() {
    // (remaining + 4 x slots - 1) would overflow into a negative size, clamped to chunks of 1
    assertEquals(64, sizer().size(FunctionKind.CPU, Long.MAX_VALUE, 4));
    assertEquals(100, timed(MS).size(FunctionKind.CPU, Long.MAX_VALUE, 4));
    assertEquals(1000, sizer().size(FunctionKind.IO, Long.MAX_VALUE, 3));
  }

  @Test
  void guidedSelfSchedulingShrinksChunksNearTheEnd() {
    // ceil(100 / (4 x 4)) = 7, below the initial cap
    assertEquals(7, sizer().size(FunctionKind.CPU, 100, 4));
    // 1 ms an item: the time target allows 100, the guided term ceil(200 / 16) = 13 is smaller
    assertEquals(13, timed(MS).size(FunctionKind.CPU, 200, 4));
  }

  @Test
  void theTimeTargetBoundsAChunkToAbout100Ms() {
    // 1 ms an item: 100 ms / 1 ms = 100, far below the guided 1,000,000 / 4 = 250,000
    assertEquals(100, timed(MS).size(FunctionKind.CPU, 1_000_000, 1));
    // 1 s an item: the target allows 0 and the floor rounds up to 1
    assertEquals(1, timed(1000 * MS).size(FunctionKind.CPU, 1_000_000, 1));
  }

  @Test
  void theFloorKeepsCheapItemsInLargerChunks() {
    // 10 us an item: guided ceil(1000 / 16) = 63 is under the floor 1 ms / 10 us = 100
    assertEquals(100, timed(10_000).size(FunctionKind.CPU, 1000, 4));
  }

  @Test
  void neverAboveMaxOrRemainingNorBelowOne() {
    // 1 ns an item would allow 100,000,000 by the time target
    assertEquals(10_000, timed(1).size(FunctionKind.CPU, 1_000_000_000L, 1));
    // the floor asks for 100, but only 3 items are left
    assertEquals(3, timed(10_000).size(FunctionKind.CPU, 3, 1));
    assertEquals(1, sizer().size(FunctionKind.CPU, 0, 4));
    assertEquals(1, timed(MS).size(FunctionKind.CPU, 0, 4));
    // no slots counts as one
    assertEquals(16, sizer().size(FunctionKind.CPU, 64, 0));
  }

  @Test
  void ioChunksSpreadTheRemainingItemsEvenlyOverTheSlots() {
    assertEquals(250, sizer().size(FunctionKind.IO, 1000, 4));
    assertEquals(1000, sizer().size(FunctionKind.IO, 10_000, 2));
    assertEquals(1000, sizer().size(FunctionKind.IO, -1, 4));
    assertEquals(1, sizer().size(FunctionKind.IO, 3, 8));
    assertEquals(1, sizer().size(FunctionKind.IO, 0, 4));
    // time per item plays no part
    assertEquals(250, timed(1000 * MS).size(FunctionKind.IO, 1000, 4));
  }

  @Test
  void ioChunksCutOneAfterAnotherKeepTheFirstShare() {
    // 2000 items on 2 slots: two chunks of 1000, not 1000 then 500, 250, ... 1 (a tail of short rounds)
    ChunkSizer s = sizer();
    assertEquals(1000, s.size(FunctionKind.IO, 2000, 2));
    assertEquals(1000, s.size(FunctionKind.IO, 1000, 2));
    // the last chunk takes what is left
    assertEquals(300, s.size(FunctionKind.IO, 300, 2));
  }

  @Test
  void timePerItemIsAMovingAverageThatIgnoresEmptyObservations() {
    ChunkSizer s = sizer();
    assertEquals(-1, s.nanosPerItem());
    s.observe(10, 10 * MS);
    s.observe(0, 5 * MS);
    s.observe(5, 0);
    assertEquals(MS, s.nanosPerItem(), 1e-6);
    s.observe(10, 20 * MS);
    assertEquals(0.7 * MS + 0.3 * 2 * MS, s.nanosPerItem(), 1e-6);
  }
}
