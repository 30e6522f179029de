package dev.shoal.protocol;

import dev.shoal.api.ChunkResults;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The messages a job actor accepts from workers. Open for the coordinator's own job messages.
 */
public final class JobProtocol {

  private JobProtocol() {}

  public interface Command {}

  /**
   * A chunk's results. {@code computeNanos} is the time the worker spent on it, which the job uses to
   * size its next chunks.
   */
  public record ChunkProcessed(
      long leaseId, ChunkResults results, long computeNanos, ActorRef<WorkerProtocol.Command> worker)
      implements Command, CborSerializable {}

  /**
   * The worker will not run this chunk, ever ({@code reason} says why: it is larger than the
   * worker's {@code shoal.worker.max-chunk-items}); the job fails with that reason rather than
   * hand the chunk to the next worker.
   */
  public record ChunkRefused(long leaseId, String reason, ActorRef<WorkerProtocol.Command> worker)
      implements Command, CborSerializable {}

  /**
   * The worker hands a chunk back unstarted (it is draining before it leaves): run it elsewhere,
   * ahead of the chunks not yet handed out.
   */
  public record ChunkReturned(long leaseId, ActorRef<WorkerProtocol.Command> worker)
      implements Command, CborSerializable {}
}
