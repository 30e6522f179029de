package dev.shoal.coordinator.job;

import dev.shoal.api.Retries;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The waits before retries, with the random part fixed by the test. */
class BackoffTest {

  private static final Retries R = Retries.NONE.withRetries(10, 100, List.of()).withMaxBackoffMs(1_000);

  @Test
  void withoutJitterEachRetryWaitsTwiceTheOneBeforeUpToTheCap() {
    Backoff b = new Backoff(R.withJitter(0), () -> 0.999);
    assertEquals(List.of(100L, 200L, 400L, 800L, 1_000L, 1_000L), List.of(b.delayMs(1), b.delayMs(2), b.delayMs(3),
        b.delayMs(4), b.delayMs(5), b.delayMs(6)));
  }

  @Test
  void jitterTakesAtMostItsFractionOffTheWait() {
    Retries half = R.withJitter(0.5);
    assertEquals(400, new Backoff(half, () -> 0.0).delayMs(3));
    assertEquals(300, new Backoff(half, () -> 0.5).delayMs(3));
    // the random source stays below 1, so the wait stays above 200
    assertEquals(201, new Backoff(half, () -> 0.995).delayMs(3));
    assertEquals(1_000, new Backoff(R.withJitter(1), () -> 0.0).delayMs(9));
    assertEquals(0, new Backoff(R.withJitter(1), () -> 0.9999999).delayMs(1));
  }

  @Test
  void everyWaitLiesWithinItsBoundsForAnyRetryNumber() {
    Random random = new Random(11);
    Retries huge = Retries.NONE.withRetries(1_000, 3, List.of()).withMaxBackoffMs(Long.MAX_VALUE).withJitter(0.3);
    Backoff b = new Backoff(huge, random::nextDouble);
    long full = 3;
    for (int retry = 1; retry <= 1_000; retry++) {
      long d = b.delayMs(retry);
      assertTrue(d >= Math.round(full * 0.7) && d <= full, "retry " + retry + ": " + d + " for a full wait of " + full);
      full = full > Long.MAX_VALUE / 2 ? Long.MAX_VALUE : full * 2;
    }
  }

  @Test
  void aZeroBackoffRetriesAtOnce() {
    assertEquals(0, new Backoff(Retries.NONE.withRetries(3, 0, List.of()), () -> 0.5).delayMs(3));
  }

  @Test
  void retriesAreNumberedFromOne() {
    assertEquals("retries are numbered from 1, got 0",
        assertThrows(IllegalArgumentException.class, () -> new Backoff(R, () -> 0).delayMs(0)).getMessage());
  }
}
