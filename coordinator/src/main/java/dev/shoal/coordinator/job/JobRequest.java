package dev.shoal.coordinator.job;

/**
 * What to compute, apart from the items themselves (those come as an {@link ItemSource}).
 *
 * @param argsJson the job's {@code args}, a JSON object as text
 * @param chunkSize items per chunk, 0 for automatic (see {@link ChunkSizer})
 * @param ordered results in input order (true) or in completion order
 * @param timeoutMs per-item time limit, 0 for none
 */
public record JobRequest(String function, String argsJson, int chunkSize, boolean ordered, long timeoutMs) {

  public JobRequest {
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

  public static JobRequest of(String function) {
    return new JobRequest(function, "{}", 0, true, 0);
  }
}
