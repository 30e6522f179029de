package dev.shoal.coordinator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.shoal.protocol.ItemBatch;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** JSON Lines read from a source that may be slow: what has arrived goes on, the rest follows. */
class LinesSourceTest {

  @Test
  void aBatchBegunIsHandedOnWhenNothingMoreHasArrivedInsteadOfWaitingForAWholeChunk() throws Exception {
    PipedOutputStream writer = new PipedOutputStream();
    PipedInputStream pipe = new PipedInputStream(writer, 1 << 16);
    try (LinesSource source = new LinesSource(new BufferedReader(new InputStreamReader(pipe, StandardCharsets.UTF_8)))) {
      writer.write("1\n\n2\n3\n".getBytes(StandardCharsets.US_ASCII));
      writer.flush();
      ItemBatch first = source.next(100).toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertEquals(3, first.count(), "the 3 lines that came, while the pipe stays open");

      writer.write("4\n5".getBytes(StandardCharsets.US_ASCII));
      writer.close();
      assertEquals(2, source.next(100).toCompletableFuture().get(30, TimeUnit.SECONDS).count(), "the rest, a last line without a break too");
      assertEquals(0, source.next(100).toCompletableFuture().get(30, TimeUnit.SECONDS).count(), "then the end");
    }
  }
}
