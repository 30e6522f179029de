package dev.shoal.protocol;

import dev.shoal.api.ChunkResults;
import dev.shoal.api.ItemError;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The slicing that a job uses to split a chunk that keeps killing workers. */
class PayloadSliceTest {

  @Test
  void rangeBatchSlicesIntoASubRange() {
    ItemBatch b = ItemBatch.range(100, 10).slice(3, 7);
    assertEquals(ItemBatch.range(103, 4), b);
  }

  @Test
  void jsonBatchSlicesItsTexts() {
    ItemBatch b = ItemBatch.json(List.of("\"a\"", "\"b\"", "\"c\"", "\"d\"")).slice(1, 3);
    assertEquals(List.of("\"b\"", "\"c\""), b.json());
    assertEquals(2, b.count());
  }

  @Test
  void resultSliceRenumbersErrorOffsetsAndDropsTheOthers() {
    ChunkResults r = new ChunkResults(new long[] {10, 0, 30, 0, 50}, null,
        List.of(new ItemError(1, "A", "a"), new ItemError(3, "B", "b")));
    ChunkResults s = r.slice(2, 5);
    assertArrayEquals(new long[] {30, 0, 50}, s.longs());
    assertNull(s.json());
    assertEquals(List.of(new ItemError(1, "B", "b")), s.errors());
  }

  @Test
  void jsonResultSliceKeepsTheNullOfAFailedItem() {
    ChunkResults r = new ChunkResults(null, Arrays.asList("1", null, "\"x\""), List.of(new ItemError(1, "T", "m")));
    ChunkResults s = r.slice(1, 3);
    assertEquals(Arrays.asList(null, "\"x\""), s.json());
    assertEquals(List.of(new ItemError(0, "T", "m")), s.errors());
  }

  @Test
  void allFailedHasOneErrorPerItemInOrder() {
    ChunkResults r = ChunkResults.allFailed(3, "WorkerLost", "died");
    assertEquals(3, r.size());
    assertEquals(3, r.errorCount());
    assertEquals(List.of(new ItemError(0, "WorkerLost", "died"), new ItemError(1, "WorkerLost", "died"),
        new ItemError(2, "WorkerLost", "died")), r.errors());
  }
}
