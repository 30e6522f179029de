package dev.shoal.coordinator.job;

import dev.shoal.api.Retries;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** When a job with too many failed items stops itself, and what it says. */
class FailureBudgetTest {

  @Test
  void noBudgetNeverStopsAJob() {
    assertEquals(Optional.empty(), new FailureBudget(Retries.NONE).exceeded(1_000, 1_000));
  }

  @Test
  void maxFailuresStopsTheJobAtTheFirstFailureOverIt() {
    FailureBudget budget = new FailureBudget(Retries.NONE.withFailureBudget(3, -1));
    assertEquals(Optional.empty(), budget.exceeded(10, 3));
    assertEquals(Optional.of("failure budget exceeded: 4 items failed, more than maxFailures=3"),
        budget.exceeded(10, 4));
    assertEquals(Optional.of("failure budget exceeded: 1 items failed, more than maxFailures=0"),
        new FailureBudget(Retries.NONE.withFailureBudget(0, -1)).exceeded(1, 1));
  }

  @Test
  void maxFailureRateIsJudgedOnlyAfterMinItemsForRate() {
    FailureBudget budget = new FailureBudget(Retries.NONE.withFailureBudget(-1, 0.25).withMinItemsForRate(20));
    assertEquals(Optional.empty(), budget.exceeded(19, 19));
    assertEquals(Optional.empty(), budget.exceeded(20, 5));
    assertEquals(Optional.of("failure budget exceeded: 6 of 20 finished items failed (30.0%), more than "
        + "maxFailureRate=0.25 (judged after minItemsForRate=20)"), budget.exceeded(20, 6));
  }

  @Test
  void aBadBudgetIsRefusedNamingItsField() {
    assertEquals("maxFailures must be -1 (no limit) or 0 or more items, got -2",
        assertThrows(IllegalArgumentException.class, () -> Retries.NONE.withFailureBudget(-2, -1)).getMessage());
    assertEquals("maxFailureRate must be -1 (no limit) or a fraction from 0 to 1, got 1.5",
        assertThrows(IllegalArgumentException.class, () -> Retries.NONE.withFailureBudget(-1, 1.5)).getMessage());
    assertEquals("retries.jitter must be a fraction from 0 to 1, got 2.0",
        assertThrows(IllegalArgumentException.class, () -> Retries.NONE.withJitter(2)).getMessage());
    assertEquals("retries.maxBackoffMs must be at least retries.backoffMs (100), got 50",
        assertThrows(IllegalArgumentException.class, () -> Retries.NONE.withMaxBackoffMs(50)).getMessage());
    assertEquals("retries.max must be 0 (no retries) or more, got -1",
        assertThrows(IllegalArgumentException.class, () -> Retries.NONE.withRetries(-1, 10, List.of())).getMessage());
  }
}
