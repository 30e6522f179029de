package dev.shoal.bench;

import dev.shoal.api.JobRequest;

/**
 * The four reference workloads of the anchors directory, as Shoal jobs. Each takes the items
 * {@code 0..items-1}; the output, one value per line, must match the anchors' {@code expected.sha256}
 * under {@link #anchor}. No job names a chunk size: the automatic sizing is part of what is measured.
 */
enum Workload {
  SLEEP("sleep", "sleep", "sleep", "{\"ms\":2000}", 10, false),
  SLEEPMANY("sleepmany", "sleepmany", "sleep", "{\"ms\":10}", 2000, false),
  SQUARE("square", "square", "square", "{}", 1_000_000, true),
  SHA256("sha256", "sha", "sha256", "{\"rounds\":5000}", 2000, true);

  /** The name in the report. */
  final String label;
  /** The workload's name in the anchors (py_anchors.py, JavaAnchors, expected.sha256). */
  final String anchor;
  final String function;
  final String argsJson;
  final int items;
  final boolean cpu;

  Workload(String label, String anchor, String function, String argsJson, int items, boolean cpu) {
    this.label = label;
    this.anchor = anchor;
    this.function = function;
    this.argsJson = argsJson;
    this.items = items;
    this.cpu = cpu;
  }

  JobRequest request() {
    return new JobRequest(function, argsJson, 0, true, 0);
  }

  /** One run, timed once: the 20-second sleeps are long enough that noise does not matter. */
  boolean single() {
    return this == SLEEP;
  }
}
