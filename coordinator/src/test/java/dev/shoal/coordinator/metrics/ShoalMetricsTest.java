package dev.shoal.coordinator.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.shoal.api.JobState;
import dev.shoal.api.JobStatus;
import dev.shoal.protocol.CoordinatorProtocol.WorkerDemand;
import dev.shoal.protocol.CoordinatorProtocol.WorkerLoad;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What {@link ShoalMetrics} shows for the events it is told, read back from its own text. */
class ShoalMetricsTest {

  private final ShoalMetrics metrics = new ShoalMetrics();

  @Test
  void workersOnOneNodeAddUpTheirSlotsAndItemsAndShareTheirJvmsLoad() {
    Object a1 = new Object();
    Object a2 = new Object();
    Object b = new Object();
    metrics.worker(a1, demand("a", 2, 1, new WorkerLoad(0.2, 100, 5)));
    metrics.worker(a2, demand("a", 3, 0, new WorkerLoad(0.5, 300, 7)));
    metrics.worker(b, demand("b", 1, 1, null));

    PrometheusText m = scrape();
    assertEquals(3, m.value("shoal_workers"));
    assertEquals(6, m.value("shoal_slots"));
    assertEquals(2, m.value("shoal_slots_busy"));
    assertEquals(5, m.value("shoal_worker_slots", "node", "a"));
    assertEquals(1, m.value("shoal_worker_slots_busy", "node", "a"));
    assertEquals(12, m.value("shoal_worker_items_done_total", "node", "a"));
    assertEquals(0.5, m.value("shoal_worker_cpu_load", "node", "a"));
    assertEquals(300, m.value("shoal_worker_heap_used_bytes", "node", "a"));
    assertNull(m.sample("shoal_worker_cpu_load", "node", "b"), "a worker that reports no load shows none");
    assertEquals(1, m.value("shoal_worker_slots", "node", "b"));
  }

  @Test
  void aLostWorkerIsCountedALeavingOneIsNotAndEitherTakesItsNodesSeriesWithTheLast() {
    Object a1 = new Object();
    Object a2 = new Object();
    metrics.worker(a1, demand("a", 2, 0, new WorkerLoad(0.1, 1, 1)));
    metrics.worker(a2, demand("a", 3, 0, new WorkerLoad(0.1, 1, 1)));

    metrics.workerGone(a1, true);
    PrometheusText oneLost = scrape();
    assertEquals(1, oneLost.value("shoal_workers_lost_total"));
    assertEquals(3, oneLost.value("shoal_worker_slots", "node", "a"));

    metrics.workerGone(a2, false);
    metrics.workerGone(a1, true); // told twice: counted once
    PrometheusText none = scrape();
    assertEquals(1, none.value("shoal_workers_lost_total"));
    assertEquals(0, none.value("shoal_workers"));
    assertNull(none.sample("shoal_worker_slots", "node", "a"));
  }

  @Test
  void jobsAreShownInEveryStateAndItemsCountedOnceByFunctionAsTheirStatusGrows() {
    JobStatus queued = status("j1", JobState.QUEUED, 0, 0);
    JobStatus running = status("j1", JobState.RUNNING, 10, 1);
    JobStatus ended = status("j1", JobState.COMPLETED_WITH_ERRORS, 25, 4);
    metrics.jobChanged(null, queued);
    metrics.jobChanged(queued, running);
    metrics.jobChanged(running, ended);
    metrics.jobEnded(ended);

    PrometheusText m = scrape();
    for (JobState s : JobState.values()) {
      assertEquals(s == JobState.COMPLETED_WITH_ERRORS ? 1 : 0, m.value("shoal_jobs", "state", s.name()), s.name());
    }
    assertEquals(25, m.value("shoal_items_done_total", "function", "square"));
    assertEquals(4, m.value("shoal_items_failed_total", "function", "square"));
    assertEquals(1, m.value("shoal_jobs_finished_total", "state", "COMPLETED_WITH_ERRORS"));

    metrics.jobForgotten("j1");
    assertEquals(0, scrape().value("shoal_jobs", "state", "COMPLETED_WITH_ERRORS"), "out of the history");
    assertEquals(1, scrape().value("shoal_jobs_finished_total", "state", "COMPLETED_WITH_ERRORS"), "a counter stays");
  }

  @Test
  void chunksInFlightAndPendingAddUpOverJobsAndGoWithAnEndedJob() {
    metrics.jobChunks("j1", 3, 4);
    metrics.jobChunks("j2", 1, 0);
    assertEquals(4, scrape().value("shoal_chunks_in_flight"));
    assertEquals(4, scrape().value("shoal_chunks_pending"));
    metrics.jobEnded(status("j1", JobState.CANCELLED, 0, 0));
    assertEquals(1, scrape().value("shoal_chunks_in_flight"));
    assertEquals(0, scrape().value("shoal_chunks_pending"));
  }

  private PrometheusText scrape() {
    return PrometheusText.parse(new String(metrics.scrape(), StandardCharsets.UTF_8));
  }

  private static WorkerDemand demand(String node, int slots, int busy, WorkerLoad load) {
    return new WorkerDemand(null, 0, 0, slots, busy, busy, node, false, List.of(), load);
  }

  private static JobStatus status(String id, JobState state, long done, long errors) {
    return new JobStatus(id, "square", state, 100, done, errors, 1, 0, 0, 0, 0, true, null, 0, 1, 0);
  }
}
