package dev.shoal.coordinator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.shoal.api.ChunkResults;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Results put back in input order, also for chunks of different sizes (after a split). */
class ReorderBufferTest {

  @Test
  void chunksInOrderAreReleasedAtOnce() {
    ReorderBuffer b = new ReorderBuffer(0);
    ChunkResults first = results(4);
    List<ReorderBuffer.Ready> out = b.add(0, first);
    assertEquals(1, out.size());
    assertEquals(0, out.get(0).firstIndex());
    assertSame(first, out.get(0).results());
    assertEquals(List.of(4L), firstIndexes(b.add(4, results(2))));
    assertEquals(6, b.next());
    assertEquals(0, b.held());
  }

  @Test
  void outOfOrderChunksWaitAndAreReleasedInOrder() {
    ReorderBuffer b = new ReorderBuffer(0);
    // chunks of different sizes, as after a split: [0,4) [4,6) [6,7) [7,10)
    assertEquals(List.of(), b.add(7, results(3)));
    assertEquals(List.of(), b.add(4, results(2)));
    assertEquals(2, b.held());
    assertEquals(0, b.next());
    assertEquals(List.of(0L, 4L), firstIndexes(b.add(0, results(4))));
    assertEquals(1, b.held());
    assertEquals(List.of(6L, 7L), firstIndexes(b.add(6, results(1))));
    assertEquals(10, b.next());
    assertEquals(0, b.held());
  }

  @Test
  void startsAtTheGivenIndex() {
    ReorderBuffer b = new ReorderBuffer(100);
    assertEquals(List.of(), b.add(105, results(1)));
    assertEquals(List.of(100L, 105L), firstIndexes(b.add(100, results(5))));
  }

  @Test
  void aChunkDeliveredTwiceIsRejected() {
    ReorderBuffer b = new ReorderBuffer(0);
    b.add(0, results(2));
    // released already
    assertThrows(IllegalStateException.class, () -> b.add(0, results(2)));
    // held early, not yet released
    b.add(5, results(1));
    assertThrows(IllegalStateException.class, () -> b.add(5, results(1)));
    // inside a chunk already released
    assertThrows(IllegalStateException.class, () -> b.add(1, results(1)));
    assertEquals(1, b.held());
  }

  private static ChunkResults results(int n) {
    return new ChunkResults(new long[n], null, List.of());
  }

  private static List<Long> firstIndexes(List<ReorderBuffer.Ready> ready) {
    return ready.stream().map(ReorderBuffer.Ready::firstIndex).toList();
  }
}
