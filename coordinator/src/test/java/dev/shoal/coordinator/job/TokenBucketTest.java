package dev.shoal.coordinator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The rate limit's token bucket on a hand-driven clock: no sleeps. */
class TokenBucketTest {

  private static final long SECOND = 1_000_000_000L;
  private final AtomicLong now = new AtomicLong(5 * SECOND);

  @Test
  void itStartsFullAndRefillsAtItsRateUpToItsBurst() {
    TokenBucket bucket = new TokenBucket(4, 4, now::get);
    assertEquals(4, bucket.available());
    bucket.take(4);
    assertEquals(0, bucket.available());
    assertEquals(SECOND / 4, bucket.nanosUntilToken());

    now.addAndGet(SECOND / 4);
    assertEquals(1, bucket.available());
    assertEquals(0, bucket.nanosUntilToken());
    now.addAndGet(10 * SECOND);
    assertEquals(4, bucket.available(), "never more than its burst");
  }

  @Test
  void aDebtIsWaitedOutBeforeTheNextStart() {
    TokenBucket bucket = new TokenBucket(2, 2, now::get);
    // a chunk of five had to go whole
    bucket.take(5);
    assertEquals(0, bucket.available());
    assertEquals(2 * SECOND, bucket.nanosUntilToken(), "three tokens owed, then one whole one, at 2 a second");
    now.addAndGet(2 * SECOND - 1);
    assertEquals(0, bucket.available());
    now.addAndGet(1);
    assertEquals(1, bucket.available());
  }

  @Test
  void overAnyStretchNoMoreStartThanTheBurstPlusTheRateTimesItsLength() {
    for (long seed = 1; seed <= 200; seed++) {
      Random random = new Random(seed);
      double rate = 0.5 + random.nextInt(50);
      TokenBucket bucket = new TokenBucket(rate, Math.max(1, Math.floor(rate)), now::get);
      long start = now.get();
      long started = 0;
      for (int step = 0; step < 500; step++) {
        now.addAndGet(random.nextInt((int) (SECOND / 10)));
        int n = random.nextInt(bucket.available() + 1);
        bucket.take(n);
        started += n;
        double bound = Math.max(1, Math.floor(rate)) + rate * (now.get() - start) / SECOND;
        assertTrue(started <= bound + 1e-9, "seed " + seed + ": " + started + " started, bound " + bound);
      }
    }
  }

  @Test
  void aRateThatIsNotAPositiveNumberIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> new TokenBucket(0, 1, now::get));
    assertThrows(IllegalArgumentException.class, () -> new TokenBucket(Double.NaN, 1, now::get));
    assertThrows(IllegalArgumentException.class, () -> new TokenBucket(Double.POSITIVE_INFINITY, 1, now::get));
  }
}
