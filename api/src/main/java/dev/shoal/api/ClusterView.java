package dev.shoal.api;

import java.util.List;

/** What {@code GET /cluster} shows: the cluster's members and the workers the coordinator dispatches to. */
public record ClusterView(String coordinator, List<Member> members, List<WorkerView> workers) {

  public record Member(String address, List<String> roles, String status, boolean reachable) {}

  /**
   * @param busy chunks running now
   * @param held chunks handed to it and not yet answered (running, queued or on the way)
   * @param lastSeenMillisAgo since its last demand (its heartbeat)
   * @param itemsDone items it has run since it started, as it last said; -1 from a worker that does not say
   */
  public record WorkerView(String node, String path, int slots, int busy, long held, boolean draining,
      long lastSeenMillisAgo, long itemsDone) {}
}
