package dev.shoal.bench;

import java.nio.file.Path;

/** Cluster mode: a coordinator and two worker JVMs on loopback. */
final class ClusterBench {

  private final Path repo;

  ClusterBench(Path repo, Anchors anchors, Path work, boolean quick, long heapItems) {
    this.repo = repo;
  }

  void run(Report report) {
    report.notes.add("cluster mode not measured yet (" + repo + ")");
  }
}
