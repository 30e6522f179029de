package dev.shoal.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.shoal.api.ChunkResults;
import dev.shoal.protocol.ChunkTask;
import dev.shoal.protocol.FunctionRegistry;
import dev.shoal.protocol.ItemBatch;
import dev.shoal.api.ItemError;
import dev.shoal.api.ShoalFunction;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The chunk runner without an actor around it. */
class ChunkRunnerTest {

  /**
   * A cancel that lands while the items are starting must still stop every one of them. Before the
   * fix, an item that passed the cancelled check just before the cancel and registered just after it
   * was never interrupted, and {@code hang} kept its slot forever (about 1 chunk in 400).
   */
  @Test
  void aCancelWhileItemsAreStartingStopsEveryItem() throws Exception {
    ShoalFunction hang = FunctionRegistry.load(null, true).find("hang").orElseThrow();
    try (WorkerExecutors executors = new WorkerExecutors(2, 512)) {
      for (int i = 0; i < 1000; i++) {
        ChunkTask task = new ChunkTask("j", i, 0, "hang", "{}", 0, ItemBatch.range(0, 8));
        ChunkRunner runner = new ChunkRunner(task, hang, ChunkRunner.JSON.createObjectNode(), executors);
        CompletableFuture<ChunkResults> done = runner.start();
        runner.cancel();
        ChunkResults r = done.get(30, TimeUnit.SECONDS);
        assertEquals(8, r.errorCount(), "chunk " + i);
        for (ItemError e : r.errors()) {
          assertEquals("Cancelled", e.type(), "chunk " + i);
        }
      }
    }
  }

  /** The attempt a chunk carries is the one the function sees: {@code flaky} heals on the chunk's third attempt. */
  @Test
  void theChunksAttemptReachesTheFunction() throws Exception {
    ShoalFunction flaky = FunctionRegistry.load(null, true).find("flaky").orElseThrow();
    try (WorkerExecutors executors = new WorkerExecutors(2, 512)) {
      for (int attempt = 1; attempt <= 3; attempt++) {
        ChunkTask task = new ChunkTask("j", attempt, 7, "flaky", "{\"failures\":2}", 0, ItemBatch.range(7, 1), attempt);
        ChunkResults r = new ChunkRunner(task, flaky, ChunkRunner.JSON.readTree(task.argsJson()), executors)
            .start().get(30, TimeUnit.SECONDS);
        if (attempt <= 2) {
          assertEquals(new ItemError(0, "TransientFailure", "flaky failed item 7 on attempt " + attempt
              + " of the 2 it fails"), r.errors().get(0), "attempt " + attempt);
        } else {
          assertEquals(new ChunkResults(new long[] {7}, null, null), r);
        }
      }
    }
  }
}
