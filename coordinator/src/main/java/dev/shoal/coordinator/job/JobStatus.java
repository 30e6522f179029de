package dev.shoal.coordinator.job;

/**
 * A job as users see it ({@code GET /jobs/{id}}, the CLI's summary line).
 *
 * @param total items in the job, -1 while a streamed input has not ended
 * @param done items with a result or an error
 * @param jobMillis from submission to the last result written (or to now)
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
    String message) {}
