package dev.shoal.api;

/**
 * A job as users see it ({@code GET /jobs/{id}}, the CLI's summary line).
 *
 * @param total items in the job, -1 while a streamed input has not ended
 * @param done items with a result or an error
 * @param jobMillis from submission to the last result written (or to now)
 * @param priority the job's {@link Scheduling#priority()}
 * @param weight the job's {@link Scheduling#weight()}
 * @param retried retry attempts made so far (an item retried twice counts twice)
 */
public record JobStatus(
    String id,
    String function,
    JobState state,
    long total,
    long done,
    long errors,
    long submittedAt,
    long startedAt,
    long finishedAt,
    long jobMillis,
    double itemsPerSecond,
    boolean ordered,
    String message,
    int priority,
    int weight,
    long retried) {

  /** A job just accepted, before its first chunk runs. */
  public static JobStatus queued(String id, JobRequest request, long total, long now) {
    return new JobStatus(id, request.function(), JobState.QUEUED, total, 0, 0, now, 0, 0, 0, 0, request.ordered(), null,
        request.scheduling().priority(), request.scheduling().weight(), 0);
  }

  /** This status with another {@code message}: a client's better account of why the job failed. */
  public JobStatus withMessage(String message) {
    return new JobStatus(id, function, state, total, done, errors, submittedAt, startedAt, finishedAt, jobMillis,
        itemsPerSecond, ordered, message, priority, weight, retried);
  }

  /** This job, ended FAILED at {@code now} for {@code reason}, with what it had done until then. */
  public JobStatus failedAt(long now, String reason) {
    return new JobStatus(id, function, JobState.FAILED, total, done, errors, submittedAt, startedAt, now,
        now - submittedAt, itemsPerSecond, ordered, reason, priority, weight, retried);
  }
}
