package dev.shoal.api;

/**
 * What to compute, apart from the items themselves (those come as an item source).
 *
 * @param argsJson the job's {@code args}, a JSON object as text
 * @param chunkSize items per chunk, 0 for automatic (see the coordinator's chunk sizer)
 * @param ordered results in input order (true) or in completion order
 * @param timeoutMs per-item time limit, 0 for none
 * @param retries retries of failed items and the job's failure budget
 * @param scheduling priority, weight and the job's own concurrency and rate limits
 */
public record JobRequest(String function, String argsJson, int chunkSize, boolean ordered, long timeoutMs,
    Retries retries, Scheduling scheduling) {

  public JobRequest {
    retries = retries == null ? Retries.NONE : retries;
    scheduling = scheduling == null ? Scheduling.DEFAULT : scheduling;
    if (function == null) {
      throw new IllegalArgumentException("a job needs a function name");
    }
    argsJson = argsJson == null || argsJson.isBlank() ? "{}" : argsJson;
    if (chunkSize < 0) {
      throw new IllegalArgumentException("chunkSize must be 0 (automatic) or positive, got " + chunkSize);
    }
    if (timeoutMs < 0) {
      throw new IllegalArgumentException("timeoutMs must be 0 (none) or positive, got " + timeoutMs);
    }
  }

  /** A job with no retries, no failure budget and the default scheduling. */
  public JobRequest(String function, String argsJson, int chunkSize, boolean ordered, long timeoutMs) {
    this(function, argsJson, chunkSize, ordered, timeoutMs, Retries.NONE, Scheduling.DEFAULT);
  }

  public JobRequest withRetries(Retries retries) {
    return new JobRequest(function, argsJson, chunkSize, ordered, timeoutMs, retries, scheduling);
  }

  public JobRequest withScheduling(Scheduling scheduling) {
    return new JobRequest(function, argsJson, chunkSize, ordered, timeoutMs, retries, scheduling);
  }

  public static JobRequest of(String function) {
    return new JobRequest(function, "{}", 0, true, 0);
  }
}
