package dev.shoal.coordinator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.shoal.protocol.FunctionKind;
import org.junit.jupiter.api.Test;

/** The automatic size of IO chunks: an even share of the job per slot, kept as the job is cut. */
class ChunkSizerIoTest {

  private final ChunkSizer sizer = new ChunkSizer(10_000, 1000, 64, 100_000_000L, 1_000_000L);

  @Test
  void theChunksOfOneRoundShareTheItemsEvenly() {
    // 2000 items on 2 slots: two chunks of 1000, not 1000 then 500, 250, ... 1
    assertEquals(1000, sizer.size(FunctionKind.IO, 2000, 2));
    assertEquals(1000, sizer.size(FunctionKind.IO, 1000, 2));
  }

  @Test
  void theLastChunkTakesWhatIsLeft() {
    assertEquals(500, sizer.size(FunctionKind.IO, 1000, 2));
    assertEquals(300, sizer.size(FunctionKind.IO, 300, 2));
  }

  @Test
  void aChunkStaysWithinTheIoMaximum() {
    assertEquals(1000, sizer.size(FunctionKind.IO, 5000, 2));
    assertEquals(1000, sizer.size(FunctionKind.IO, -1, 4));
  }
}
