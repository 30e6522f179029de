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
 * @param jar the SHA-256 (hex) of an uploaded job jar whose function this is, or null for a function
 *     the workers have installed
 */
public record JobRequest(String function, String argsJson, int chunkSize, boolean ordered, long timeoutMs,
    Retries retries, Scheduling scheduling, String jar) {

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
    jar = jar == null || jar.isBlank() ? null : jar.toLowerCase(java.util.Locale.ROOT);
    if (jar != null && !JarInfo.isSha256(jar)) {
      throw new IllegalArgumentException("jar must be the SHA-256 of an uploaded jar (64 hex digits), got '" + jar + "'");
    }
  }

  /** A job of an installed function (no job jar). */
  public JobRequest(String function, String argsJson, int chunkSize, boolean ordered, long timeoutMs,
      Retries retries, Scheduling scheduling) {
    this(function, argsJson, chunkSize, ordered, timeoutMs, retries, scheduling, null);
  }

  /** A job with no retries, no failure budget and the default scheduling. */
  public JobRequest(String function, String argsJson, int chunkSize, boolean ordered, long timeoutMs) {
    this(function, argsJson, chunkSize, ordered, timeoutMs, Retries.NONE, Scheduling.DEFAULT);
  }

  public JobRequest withRetries(Retries retries) {
    return new JobRequest(function, argsJson, chunkSize, ordered, timeoutMs, retries, scheduling, jar);
  }

  public JobRequest withScheduling(Scheduling scheduling) {
    return new JobRequest(function, argsJson, chunkSize, ordered, timeoutMs, retries, scheduling, jar);
  }

  /** This job, running {@code function} from the uploaded jar {@code sha256} (null: an installed function). */
  public JobRequest withJar(String sha256) {
    return new JobRequest(function, argsJson, chunkSize, ordered, timeoutMs, retries, scheduling, sha256);
  }

  public static JobRequest of(String function) {
    return new JobRequest(function, "{}", 0, true, 0);
  }
}
