package dev.shoal.protocol;

/**
 * One unit of work as a worker receives it. {@code leaseId} names this hand-out of the chunk: the job
 * accepts a result only for a lease it still holds open, which is what drops the late result of a
 * chunk that was re-sent after its worker was lost.
 *
 * @param firstIndex the job-wide index of the first item
 * @param argsJson the job's {@code args} as JSON text (an object)
 * @param timeoutMs per-item time limit, 0 for none
 * @param attempt the attempt of every item in this chunk, from 1; a retried item goes out alone
 *     with its attempt, so the function sees it on whichever worker runs it (a sender that does not
 *     set it, 0, means 1)
 * @param jar the SHA-256 of the job jar that holds {@code function}, null for an installed function:
 *     a worker that lacks the jar fetches it from the coordinator ({@link JarProtocol}) before it runs
 *     the chunk
 */
public record ChunkTask(
    String jobId,
    long leaseId,
    long firstIndex,
    String function,
    String argsJson,
    long timeoutMs,
    ItemBatch items,
    int attempt,
    String jar) implements CborSerializable {

  public ChunkTask {
    attempt = Math.max(1, attempt);
  }

  /** A chunk of an installed function. */
  public ChunkTask(String jobId, long leaseId, long firstIndex, String function, String argsJson, long timeoutMs,
      ItemBatch items, int attempt) {
    this(jobId, leaseId, firstIndex, function, argsJson, timeoutMs, items, attempt, null);
  }

  /** A chunk of first attempts. */
  public ChunkTask(String jobId, long leaseId, long firstIndex, String function, String argsJson, long timeoutMs,
      ItemBatch items) {
    this(jobId, leaseId, firstIndex, function, argsJson, timeoutMs, items, 1, null);
  }
}
