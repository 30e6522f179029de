package dev.shoal.client;

import java.time.Instant;

/**
 * Hears a {@link RemotePool} follow its coordinator through a restart or failover: when it loses it
 * and when it has it again. The CLI prints one line for each; a program may log them.
 *
 * <p>Caveat: called on the thread whose request failed, between its retries; keep it short.
 */
public interface FollowListener {

  /** Says nothing. */
  FollowListener SILENT = new FollowListener() {
    @Override
    public void unreachable(String url, String why, Instant until) {}

    @Override
    public void reconnected(String url, long line) {}
  };

  /** The coordinator at {@code url} failed ({@code why}); requests are retried, over every URL given, until {@code until}. */
  void unreachable(String url, String why, Instant until);

  /** A request went through again, to {@code url}; a results stream resumes at {@code line} (0-based), else -1. */
  void reconnected(String url, long line);
}
