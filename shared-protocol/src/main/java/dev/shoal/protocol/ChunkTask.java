package dev.shoal.protocol;

/**
 * One unit of work as a worker receives it. {@code leaseId} names this hand-out of the chunk: the job
 * accepts a result only for a lease it still holds open, which is what drops the late result of a
 * chunk that was re-sent after its worker was lost.
 *
 * @param firstIndex the job-wide index of the first item
 * @param argsJson the job's {@code args} as JSON text (an object)
 * @param timeoutMs per-item time limit, 0 for none
 */
public record ChunkTask(
    String jobId,
    long leaseId,
    long firstIndex,
    String function,
    String argsJson,
    long timeoutMs,
    ItemBatch items) implements CborSerializable {}
