package dev.shoal.coordinator.job;

import dev.shoal.api.JobState;
import dev.shoal.api.JobStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shoal.api.ChunkResults;
import dev.shoal.api.ItemError;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobTraceTest {

  private static JobStatus running(long done) {
    return new JobStatus("j1", "square", JobState.RUNNING, 1_000_000, done, 0, 0, 1, 0, 1, 0, true, null, 0, 1, 0);
  }

  @Test
  void aLongRunKeepsAtMostTheCapOfSamplesSpanningTheWholeRunEvenly() {
    JobTrace trace = new JobTrace();
    for (long t = 0; t < 100_000; t++) {
      trace.sample(t * 250, t * 10);
    }
    List<JobDetail.Sample> series = trace.detail(running(1_000_000), 25_000_000).throughput();
    assertTrue(series.size() <= JobTrace.MAX_SAMPLES + 1, series.size() + " samples");
    assertTrue(series.size() > JobTrace.MAX_SAMPLES / 2, "thinning halves the series, no more: " + series.size());
    assertEquals(new JobDetail.Sample(0, 0), series.get(0), "the run's start stays");
    assertEquals(new JobDetail.Sample(25_000_000, 1_000_000), series.get(series.size() - 1), "the present comes last");
    long widest = 0;
    long narrowest = Long.MAX_VALUE;
    for (int i = 1; i < series.size() - 1; i++) {
      long gap = series.get(i).at() - series.get(i - 1).at();
      widest = Math.max(widest, gap);
      narrowest = Math.min(narrowest, gap);
    }
    assertTrue(widest <= 2 * narrowest, "even spacing: gaps from " + narrowest + " to " + widest + " ms");
    assertTrue(series.get(series.size() - 2).at() > 24_000_000, "the kept samples reach the end of the run");
  }

  @Test
  void aShortRunKeepsEverySampleAndThePresent() {
    JobTrace trace = new JobTrace();
    trace.sample(1000, 0);
    trace.sample(1250, 40);
    trace.sample(1500, 90);
    assertEquals(List.of(new JobDetail.Sample(1000, 0), new JobDetail.Sample(1250, 40), new JobDetail.Sample(1500, 90),
        new JobDetail.Sample(1600, 100)), trace.detail(running(100), 1600).throughput());
  }

  @Test
  void errorsAreKeptByTheirIndexInTheInputUpToTheCap() {
    JobTrace trace = new JobTrace();
    trace.finished(100, new ChunkResults(null, List.of("1", "null", "3", "null"),
        List.of(new ItemError(1, "Boom", "item 101 failed"), new ItemError(3, "Boom", "item 103 failed"))));
    trace.finished(500, ChunkResults.allFailed(50, "WorkerLost", "the worker died"));
    List<JobDetail.ItemFailure> errors = trace.detail(running(54), 1).firstErrors();
    assertEquals(JobTrace.MAX_ERRORS, errors.size());
    assertEquals(new JobDetail.ItemFailure(101, "Boom", "item 101 failed"), errors.get(0));
    assertEquals(new JobDetail.ItemFailure(103, "Boom", "item 103 failed"), errors.get(1));
    assertEquals(new JobDetail.ItemFailure(500, "WorkerLost", "the worker died"), errors.get(2));
    assertEquals(517, errors.get(JobTrace.MAX_ERRORS - 1).index());
  }

  @Test
  void itemsAreSummedPerNodeAndLostWorkersAndResentChunksCounted() {
    JobTrace trace = new JobTrace();
    trace.cutting(64);
    trace.ran("10.0.0.2:2552", 64);
    trace.ran("10.0.0.1:2552", 64);
    trace.ran("10.0.0.2:2552", 10);
    trace.workerLost("10.0.0.3:2552");
    trace.resent();
    trace.resent();
    trace.cutting(128);
    JobDetail d = trace.detail(running(138), 1);
    assertEquals(List.of(new JobDetail.WorkerShare("10.0.0.1:2552", 64), new JobDetail.WorkerShare("10.0.0.2:2552", 74)),
        d.workers());
    assertEquals(128, d.chunkSize(), "the size the job cuts now");
    assertEquals(2, d.resentChunks());
    assertEquals(1, d.lostWorkers());
    assertEquals(List.of("10.0.0.3:2552"), d.lostWorkerNodes());
  }

  @Test
  void manyLostWorkersAreCountedButOnlyTheFirstNamed() {
    JobTrace trace = new JobTrace();
    for (int i = 0; i < 500; i++) {
      trace.workerLost("node-" + i);
    }
    JobDetail d = trace.detail(running(0), 1);
    assertEquals(500, d.lostWorkers());
    assertEquals(JobTrace.MAX_LOST_NAMES, d.lostWorkerNodes().size());
    assertEquals("node-0", d.lostWorkerNodes().get(0));
  }
}
