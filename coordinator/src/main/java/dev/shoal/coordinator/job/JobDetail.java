package dev.shoal.coordinator.job;

import dev.shoal.api.JobStatus;
import java.util.List;

/**
 * One job seen closely ({@code GET /jobs/{id}/detail}, the dashboard's job view): its status and
 * what {@link JobTrace} kept of its run.
 *
 * @param chunkSize items per chunk the job cuts now (0 before its first chunk)
 * @param resentChunks chunks handed out again because their worker was lost or handed them back
 * @param lostWorkers workers lost while they held chunks of this job
 * @param lostWorkerNodes the first of those workers' nodes, at most {@link JobTrace#MAX_LOST_NAMES}
 * @param throughput items done over time, oldest first, at most {@link JobTrace#MAX_SAMPLES} points
 *     plus the present one
 * @param workers items each worker node ran for this job, by node
 * @param firstErrors the first items that ended in an error, at most {@link JobTrace#MAX_ERRORS}
 */
public record JobDetail(
    JobStatus status,
    int chunkSize,
    long resentChunks,
    int lostWorkers,
    List<String> lostWorkerNodes,
    List<Sample> throughput,
    List<WorkerShare> workers,
    List<ItemFailure> firstErrors) {

  /** {@code done} items had a result or an error at {@code at} (epoch milliseconds). */
  public record Sample(long at, long done) {}

  public record WorkerShare(String node, long items) {}

  /** The item at {@code index} (in the job's input) failed with an error of {@code type}. */
  public record ItemFailure(long index, String type, String message) {}

  /** A job whose run left no trace here (its actor failed): its status alone. */
  public static JobDetail of(JobStatus status) {
    return new JobDetail(status, 0, 0, 0, List.of(), List.of(), List.of(), List.of());
  }
}
