package dev.shoal.coordinator.job;

import dev.shoal.api.JobState;
import dev.shoal.api.JobStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RecentJobsTest {

  private static JobStatus job(String id, JobState state, long submittedAt) {
    return new JobStatus(id, "square", state, 10, 0, 0, submittedAt, 0, 0, 0, 0, true, null, 0, 1, 0);
  }

  @Test
  void aLongHistoryShowsEveryActiveJobAndOnlyTheNewestFinishedOnesNewestFirst() {
    List<JobStatus> finished = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      finished.add(job("f" + i, i % 10 == 0 ? JobState.FAILED : JobState.SUCCEEDED, i));
    }
    List<JobStatus> active = List.of(job("q", JobState.QUEUED, 2001), job("r", JobState.RUNNING, 2000));
    RecentJobs page = RecentJobs.of(active, finished, 50);

    assertEquals(52, page.jobs().size());
    assertEquals(List.of("q", "r", "f999", "f998"), page.jobs().subList(0, 4).stream().map(JobStatus::id).toList());
    assertEquals("f950", page.jobs().get(51).id(), "the 50th newest finished job is the last shown");
    assertEquals(Map.of(JobState.QUEUED, 1L, JobState.RUNNING, 1L, JobState.SUCCEEDED, 900L, JobState.FAILED, 100L),
        page.byState(), "counts cover the jobs not shown too");
    assertEquals(1002, page.held());
  }

  @Test
  void aShortHistoryIsShownWhole() {
    RecentJobs page = RecentJobs.of(List.of(), List.of(job("a", JobState.CANCELLED, 1), job("b", JobState.SUCCEEDED, 2)), 50);
    assertEquals(List.of("b", "a"), page.jobs().stream().map(JobStatus::id).toList());
    assertEquals(2, page.held());
  }
}
