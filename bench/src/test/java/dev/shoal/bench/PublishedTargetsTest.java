package dev.shoal.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class PublishedTargetsTest {

  @Test
  void aReportReadsBackTheTargetsItWrote() {
    Report earlier = new Report("2026-11-22T17:08:11Z", "bench/run --publish",
        new Report.Machine(2, "1 GiB", "jdk", "py", "0", "os"));
    earlier.targets = List.of(
        new Report.Target("square cluster throughput", "≥ 3.00 M items/s", "1.90 M items/s", 1.9e6, 3e6, Report.MISSED),
        new Report.Target("sleep local job time", "≤ 2.05 s", "2.009 s", 2.009, 2.05, Report.MET));
    PublishedTargets read = PublishedTargets.parse(earlier.markdown());
    assertEquals("2026-11-22T17:08:11Z", read.run());
    assertEquals("1.90 M items/s", read.of("square cluster throughput"));
    assertEquals("2.009 s", read.of("sleep local job time"));
    assertEquals("", read.of("a target that run did not have"));
  }

  @Test
  void aNewReportShowsThePublishedFigureBesideItsOwn() {
    Report now = new Report("2026-12-06T13:00:00Z", "bench/run", new Report.Machine(2, "1 GiB", "jdk", "py", "0", "os"));
    now.targets = List.of(new Report.Target("sleep local job time", "≤ 2.05 s", "2.004 s", 2.004, 2.05, Report.MET));
    now.published = PublishedTargets.parse("Run 2026-11-22T17:08:11Z with `x`.\n\n## Targets\n\n"
        + "| target | goal | measured | result |\n|---|---|---|---|\n| sleep local job time | ≤ 2.05 s | 2.009 s | met |\n\n## Workloads\n");
    String md = now.markdown();
    assertTrue(md.contains("| target | goal | measured | result | 2026-11-22T17:08:11Z |"), md);
    assertTrue(md.contains("| sleep local job time | ≤ 2.05 s | 2.004 s | met | 2.009 s |"), md);
  }

  @Test
  void noFileOrNoTargetsTableMeansNoEarlierRun() {
    assertTrue(PublishedTargets.parse("# Shoal benchmark results\n\n## Workloads\n| a | b | c | d |\n").isEmpty());
  }
}
