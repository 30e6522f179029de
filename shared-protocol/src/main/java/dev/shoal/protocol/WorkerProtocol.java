package dev.shoal.protocol;

import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * The messages a worker accepts from the coordinator and from jobs. {@link Command} is left open
 * (not sealed) because the worker actor adds its own private messages to it in another module.
 */
public final class WorkerProtocol {

  private WorkerProtocol() {}

  /** Workers register under this key with the Receptionist, which is how {@code /cluster} lists them. */
  public static final ServiceKey<Command> WORKER_KEY = ServiceKey.create(Command.class, "shoal-worker");

  public interface Command {}

  /** Run this chunk and send {@link JobProtocol.ChunkProcessed} to {@code replyTo}. */
  public record ProcessChunk(ChunkTask task, ActorRef<JobProtocol.Command> replyTo)
      implements Command, CborSerializable {}

  /**
   * Run these chunks, as if each came in its own {@link ProcessChunk}, in this order. A job sends
   * this when one offer gives a worker several chunks: remoting costs per message, and tiny chunks
   * would otherwise spend most of their time in framing.
   */
  public record ProcessChunks(List<ChunkTask> tasks, ActorRef<JobProtocol.Command> replyTo)
      implements Command, CborSerializable {

    public ProcessChunks {
      tasks = List.copyOf(tasks);
    }

    /** Each chunk as the {@link ProcessChunk} it stands for. */
    public List<ProcessChunk> each() {
      return tasks.stream().map(t -> new ProcessChunk(t, replyTo)).toList();
    }
  }

  /** The job was cancelled: interrupt its running items and drop its queued chunks. */
  public record CancelJob(String jobId) implements Command, CborSerializable {}

  /** The coordinator does not know this worker (it restarted, or took the worker for lost): register again. */
  public enum Reregister implements Command, CborSerializable {
    INSTANCE
  }
}
