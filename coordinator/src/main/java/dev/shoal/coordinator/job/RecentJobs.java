package dev.shoal.coordinator.job;

import dev.shoal.api.JobState;
import dev.shoal.api.JobStatus;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The jobs the dashboard shows: every queued or running job and only the newest finished ones,
 * newest first, with how many jobs the coordinator holds in each state.
 *
 * <p>Guarantees: at most the active jobs plus {@code finishedShown} entries, whatever the history
 * holds; {@link #byState} and {@link #held} count every job, shown or not.
 *
 * @param jobs newest submitted first
 * @param byState the number of held jobs in each state (states with none are absent)
 * @param held every job the coordinator holds: active ones and the finished it remembers
 */
public record RecentJobs(List<JobStatus> jobs, Map<JobState, Long> byState, int held) {

  /**
   * @param active the jobs not yet ended
   * @param finished the ended jobs the coordinator remembers, in the order they ended (oldest first)
   * @param finishedShown how many of the newest finished jobs to show
   */
  public static RecentJobs of(Collection<JobStatus> active, Collection<JobStatus> finished, int finishedShown) {
    Map<JobState, Long> counts = new EnumMap<>(JobState.class);
    List<JobStatus> shown = new ArrayList<>(active.size() + Math.min(finished.size(), finishedShown));
    for (JobStatus s : active) {
      counts.merge(s.state(), 1L, Long::sum);
      shown.add(s);
    }
    int skip = finished.size() - finishedShown;
    int i = 0;
    for (JobStatus s : finished) {
      counts.merge(s.state(), 1L, Long::sum);
      if (i++ >= skip) {
        shown.add(s);
      }
    }
    shown.sort(Comparator.comparingLong(JobStatus::submittedAt).reversed());
    return new RecentJobs(shown, counts, active.size() + finished.size());
  }
}
