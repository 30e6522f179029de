package dev.shoal.coordinator.job;

import dev.shoal.api.Retries;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shoal.api.ChunkResults;
import dev.shoal.api.ItemError;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which failed items run again, and how a chunk's results are cut around them. */
class RetryRulesTest {

  private static final Retries TWO = Retries.NONE.withRetries(2, 10, List.of());

  @Test
  void anItemHasOneAttemptPlusMax() {
    RetryRules rules = new RetryRules(TWO);
    assertTrue(rules.retries("IOException", 1));
    assertTrue(rules.retries("IOException", 2));
    assertFalse(rules.retries("IOException", 3));
    assertFalse(new RetryRules(Retries.NONE).retries("IOException", 1));
  }

  @Test
  void onlyTheListedTypesAreRetriedBySimpleOrFullName() {
    RetryRules rules = new RetryRules(TWO.withRetries(2, 10,
        List.of("java.io.IOException", "dev.shoal.worker.functions.Flaky$TransientFailure", "Timeout")));
    assertTrue(rules.retries("IOException", 1));
    assertTrue(rules.retries("TransientFailure", 1));
    assertTrue(rules.retries("Timeout", 1));
    assertFalse(rules.retries("RequestedFailure", 1));
    assertFalse(rules.retries("IllegalArgumentException", 1));
  }

  @Test
  void errorsThatAreNoFailureOfTheFunctionAreNeverRetried() {
    RetryRules all = new RetryRules(TWO);
    RetryRules listed = new RetryRules(TWO.withRetries(2, 10, List.of("WorkerLost", "Cancelled")));
    for (String type : List.of("WorkerLost", "Cancelled", "InvalidItem", "UnknownFunction")) {
      assertFalse(all.retries(type, 1), type);
      assertFalse(listed.retries(type, 1), type);
    }
    assertTrue(all.retries("Timeout", 1));
  }

  @Test
  void aChunkIsCutAroundItsRetriedItemsCoveringEveryOffsetOnce() {
    RetryRules rules = new RetryRules(TWO.withRetries(2, 10, List.of("IOException")));
    // offsets 0, 3 and 9 fail with a retried type, 5 with another one
    ChunkResults r = results(10, List.of(error(3, "IOException"), error(0, "IOException"),
        error(5, "IllegalStateException"), error(9, "IOException")));
    RetryRules.Split split = rules.split(100, r, 1);

    assertEquals(List.of(0, 3, 9), split.retry());
    assertEquals(List.of(101L, 104L), split.finished().stream().map(ReorderBuffer.Ready::firstIndex).toList());
    assertEquals(r.slice(1, 3), split.finished().get(0).results());
    assertEquals(r.slice(4, 9), split.finished().get(1).results());
    assertEquals(List.of(new ItemError(1, "IllegalStateException", "boom 5")), split.finished().get(1).results().errors());
  }

  @Test
  void aChunkWithNothingToRetryIsReleasedWhole() {
    ChunkResults r = results(4, List.of(error(2, "RequestedFailure")));
    RetryRules.Split split = new RetryRules(TWO.withRetries(2, 10, List.of("IOException"))).split(8, r, 1);
    assertEquals(List.of(new ReorderBuffer.Ready(8, r)), split.finished());
    assertEquals(List.of(), split.retry());
  }

  @Test
  void anItemThatRanMoreThanOnceSaysHowManyTimesInItsError() {
    RetryRules rules = new RetryRules(TWO);
    RetryRules.Split last = rules.split(7, results(1, List.of(error(0, "IOException"))), 3);
    assertEquals(List.of(), last.retry());
    assertEquals(List.of(new ItemError(0, "IOException", "boom 0 (after 3 attempts)")),
        last.finished().get(0).results().errors());
    RetryRules.Split healed = rules.split(7, results(1, List.of()), 2);
    assertEquals(results(1, List.of()), healed.finished().get(0).results());
    // a first attempt is not marked
    assertEquals(List.of(new ItemError(0, "Cancelled", "boom 0")),
        rules.split(7, results(1, List.of(error(0, "Cancelled"))), 1).finished().get(0).results().errors());
  }

  private static ItemError error(int offset, String type) {
    return new ItemError(offset, type, "boom " + offset);
  }

  private static ChunkResults results(int n, List<ItemError> errors) {
    long[] values = new long[n];
    for (int i = 0; i < n; i++) {
      values[i] = i * 10L;
    }
    return new ChunkResults(values, null, new ArrayList<>(errors));
  }
}
