package dev.shoal.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which URL a request goes to, how long it waits between rounds, and when it gives up, on a clock of the test's. */
class CoordinatorsTest {

  private static final URI A = URI.create("http://a:8080");
  private static final URI B = URI.create("http://b:8080");

  private long now;
  private final List<Long> pauses = new ArrayList<>();
  private final List<String> heard = new ArrayList<>();
  private final Coordinators both = new Coordinators(List.of(A, B), () -> now, ms -> {
    pauses.add(ms);
    now += ms * 1_000_000;
  });

  private final FollowListener listener = new FollowListener() {
    @Override
    public void unreachable(String url, String why, Instant until) {
      heard.add("lost " + url + ": " + why);
    }

    @Override
    public void reconnected(String url, long line) {
      heard.add("back " + url + " at " + line);
    }
  };

  @Test
  void aListIsParsedInOrderAndABadEntryIsNamed() {
    assertEquals(List.of(A, B), Coordinators.parse(" http://a:8080/ ,http://b:8080"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Coordinators.parse("http://a:8080,,http://b:8080"));
    assertEquals("bad coordinator URL '': expected http://HOST:PORT", e.getMessage());
  }

  @Test
  void aFailureMovesOnAtOnceAndAWholeRoundWaitsABackoffThatDoublesToTwoSeconds() {
    Coordinators.Outage outage = both.outage(Duration.ofMinutes(1), listener, 7);
    for (int i = 0; i < 16; i++) {
      URI failing = both.current();
      assertEquals(i % 2 == 0 ? A : B, failing, "failure " + i);
      outage.failed(failing, "connection refused", null);
    }
    assertEquals(8, pauses.size(), "one pause a round of two: " + pauses);
    long[] ceilings = {100, 200, 400, 800, 1600, 2000, 2000, 2000};
    for (int i = 0; i < ceilings.length; i++) {
      long p = pauses.get(i);
      assertTrue(p >= ceilings[i] / 2 && p <= ceilings[i], "pause " + i + " of " + p + " ms, jittered below " + ceilings[i]);
    }
    outage.over(A);
    assertEquals(List.of("lost http://a:8080: connection refused", "back http://a:8080 at 7"), heard);
  }

  @Test
  void theDeadlineEndsTheOutageOnlyAfterAWholeRoundNamingEveryUrl() {
    Coordinators.Outage outage = both.outage(Duration.ofSeconds(1), listener, -1);
    now += Duration.ofSeconds(2).toNanos();
    outage.failed(A, "connection refused", null);
    CoordinatorUnreachableException e = assertThrows(CoordinatorUnreachableException.class,
        () -> outage.failed(B, "connection refused", null));
    assertEquals("cannot reach the coordinator at http://a:8080, http://b:8080: connection refused "
        + "(retried for the follow deadline of 1 s)", e.getMessage());
  }

  @Test
  void noPauseRunsPastTheDeadline() {
    Coordinators one = new Coordinators(List.of(A), () -> now, ms -> {
      pauses.add(ms);
      now += ms * 1_000_000;
    });
    Coordinators.Outage outage = one.outage(Duration.ofMillis(250), listener, -1);
    assertThrows(CoordinatorUnreachableException.class, () -> {
      while (true) {
        outage.failed(A, "connection refused", null);
      }
    });
    assertEquals(250, pauses.stream().mapToLong(Long::longValue).sum(), "the pauses end at the deadline: " + pauses);
  }
}
