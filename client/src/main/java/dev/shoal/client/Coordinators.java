package dev.shoal.client;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

/**
 * The coordinator URLs a client is given ({@code http://a:8080,http://b:8080}) and how it follows
 * them through a restart or a failover: requests go to the current URL; a failed one moves on to
 * the next. A standby coordinator does not forward: its port is closed until it takes over, so a
 * client that knows every coordinator's URL finds the one that holds the jobs.
 *
 * <p>Guarantees ({@link Outage}): within one outage, a failure moves to the next URL at once; once
 * every URL has failed since the last pause, the next round waits a backoff, {@value #FIRST_PAUSE_MS}
 * ms doubling to {@value #MAX_PAUSE_MS} ms, each pause drawn between half and all of that (so
 * clients that lost the same coordinator do not all come back at once), and never past the
 * deadline. The outage gives up only after the deadline and a whole round of failures, so a deadline
 * of 0 tries every URL once.
 *
 * <p>Caveat: the current URL is shared by every request of the pool: a failover seen by one request
 * moves them all.
 */
final class Coordinators {

  static final long FIRST_PAUSE_MS = 100;
  static final long MAX_PAUSE_MS = 2000;

  /** Pauses for that many milliseconds; the test's clock is not the wall's. */
  @FunctionalInterface
  interface Sleeper {
    void sleep(long millis) throws InterruptedException;
  }

  private final List<URI> urls;
  private final AtomicInteger current = new AtomicInteger();
  private final LongSupplier nanoTime;
  private final Sleeper sleeper;

  Coordinators(List<URI> urls, LongSupplier nanoTime, Sleeper sleeper) {
    this.urls = List.copyOf(urls);
    this.nanoTime = nanoTime;
    this.sleeper = sleeper;
  }

  /** The URLs of {@code commaSeparated}, in order; a bad one is an {@link IllegalArgumentException} naming it. */
  static List<URI> parse(String commaSeparated) {
    List<URI> out = new ArrayList<>();
    for (String url : commaSeparated.split(",", -1)) {
      out.add(parseOne(url));
    }
    return out;
  }

  private static URI parseOne(String url) {
    URI uri;
    try {
      uri = new URI(url.trim().replaceAll("/+$", ""));
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("bad coordinator URL '" + url + "': " + e.getMessage());
    }
    if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
      throw new IllegalArgumentException("bad coordinator URL '" + url + "': expected http://HOST:PORT");
    }
    return uri;
  }

  /** Where requests go now. */
  URI current() {
    return urls.get(Math.floorMod(current.get(), urls.size()));
  }

  List<URI> urls() {
    return urls;
  }

  /** The URLs as given, for a message. */
  String names() {
    return urls.stream().map(URI::toString).collect(Collectors.joining(", "));
  }

  /**
   * A spell of failures that began now, given up after {@code deadline}; {@code line} is where a
   * results stream resumes, else -1.
   */
  Outage outage(Duration deadline, FollowListener listener, long line) {
    return new Outage(deadline, listener, line);
  }

  private void moveOn(URI failed) {
    int at = current.get();
    // another request may have moved on already: then this failure is old news
    if (urls.get(Math.floorMod(at, urls.size())).equals(failed)) {
      current.compareAndSet(at, at + 1);
    }
  }

  /** One spell of failures: its deadline, its backoff, what it tells its listener. */
  final class Outage {

    private final Duration deadline;
    private final long deadlineAt;
    private final FollowListener listener;
    private final long line;
    private int failures;
    private long pauseMs = FIRST_PAUSE_MS;
    private boolean reported;

    private Outage(Duration deadline, FollowListener listener, long line) {
      this.deadline = deadline;
      this.deadlineAt = nanoTime.getAsLong() + deadline.toNanos();
      this.listener = listener;
      this.line = line;
    }

    /**
     * The request to {@code url} failed: moves on to the next URL, pausing after a whole round.
     *
     * @throws CoordinatorUnreachableException naming every URL and the deadline, once it has passed
     */
    void failed(URI url, String why, IOException cause) {
      failures++;
      moveOn(url);
      boolean roundOver = failures % urls.size() == 0;
      long left = deadlineAt - nanoTime.getAsLong();
      if (left <= 0 && failures >= urls.size()) {
        String tried = deadline.isZero() ? "" : " (retried for the follow deadline of " + seconds(deadline) + ")";
        throw new CoordinatorUnreachableException(names(), why + tried, cause == null ? new IOException(why) : cause);
      }
      if (!reported) {
        reported = true;
        listener.unreachable(url.toString(), why, Instant.now().plusNanos(Math.max(0, left)));
      }
      if (roundOver && left > 0) {
        long pause = Math.min(jittered(pauseMs), Math.max(1, left / 1_000_000));
        pauseMs = Math.min(MAX_PAUSE_MS, pauseMs * 2);
        try {
          sleeper.sleep(pause);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while waiting for the coordinator", e);
        }
      }
    }

    /** A request to {@code url} went through: the listener hears it, if it heard of the failure. */
    void over(URI url) {
      if (reported) {
        reported = false;
        listener.reconnected(url.toString(), line);
      }
    }
  }

  /** A pause between half and all of {@code ms}. */
  static long jittered(long ms) {
    return ms / 2 + ThreadLocalRandom.current().nextLong(ms / 2 + 1);
  }

  static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }
}
