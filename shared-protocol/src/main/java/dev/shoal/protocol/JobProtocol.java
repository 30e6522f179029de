package dev.shoal.protocol;

import dev.shoal.api.ChunkResults;
import java.util.List;
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
   * The results of chunks that finished close together, each as its own {@link ChunkProcessed}
   * would give it, from one worker: a worker sends this instead of several {@link ChunkProcessed}
   * when results are waiting in its mailbox together.
   */
  public record ChunksProcessed(List<Processed> chunks, ActorRef<WorkerProtocol.Command> worker)
      implements Command, CborSerializable {

    public ChunksProcessed {
      chunks = List.copyOf(chunks);
    }

    /** Each chunk's results as the {@link ChunkProcessed} it stands for. */
    public List<ChunkProcessed> each() {
      return chunks.stream().map(p -> p.from(worker)).toList();
    }
  }

  /** One chunk's results in a {@link ChunksProcessed}; the fields are those of {@link ChunkProcessed}. */
  public record Processed(long leaseId, ChunkResults results, long computeNanos) implements CborSerializable {

    public ChunkProcessed from(ActorRef<WorkerProtocol.Command> worker) {
      return new ChunkProcessed(leaseId, results, computeNanos, worker);
    }
  }

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
