package dev.shoal.coordinator;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shoal.protocol.WorkerProtocol;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;

/** What a probe standing for a worker was sent, chunk by chunk, whether the chunks came alone or several in one message. */
final class SentChunks {

  private SentChunks() {}

  /** The next {@code n} chunks; fails if a message brings more than that. */
  static List<WorkerProtocol.ProcessChunk> receive(TestProbe<WorkerProtocol.Command> worker, int n, Duration wait) {
    List<WorkerProtocol.ProcessChunk> chunks = new ArrayList<>();
    while (chunks.size() < n) {
      chunks.addAll(receiveAny(worker, n - chunks.size(), wait));
    }
    return chunks;
  }

  /** The chunks of the next message, ignoring messages that bring none; fails if it brings more than {@code max}. */
  static List<WorkerProtocol.ProcessChunk> receiveAny(TestProbe<WorkerProtocol.Command> worker, int max, Duration wait) {
    while (true) {
      WorkerProtocol.Command m = worker.receiveMessage(wait);
      List<WorkerProtocol.ProcessChunk> chunks = m instanceof WorkerProtocol.ProcessChunks several ? several.each()
          : m instanceof WorkerProtocol.ProcessChunk one ? List.of(one) : List.of();
      if (!chunks.isEmpty()) {
        assertTrue(chunks.size() <= max, "expected at most " + max + " chunks, was sent " + chunks.size());
        return chunks;
      }
    }
  }
}
