package dev.shoal.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shoal.coordinator.job.JsonLines;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Parsing a results stream back into chunks: written out again, the chunks are the bytes read. */
class NdjsonChunksTest {

  private static final String LINES = """
      {"index":0,"value":1}
      {"index":1,"value":-9223372036854775808}
      {"index":2,"error":{"type":"Boom","message":"bad \\"x\\"\\n\\u0001 é"}}
      {"index":3,"value":"caf\\u00e9 é \\"q\\""}
      {"index":4,"value":{"a":[1,2.50,null],"b":{}}}
      {"index":5,"value":123456789012345678901234567890}
      {"index":6,"value":1.0E10}
      {"index":9,"value":7}
      {"index":8,"error":{"type":"T","message":""}}
      {"index":7,"value":true}
      """;

  @Test
  void chunksWrittenAgainGiveTheSameBytesWhateverTheReadSizes() throws Exception {
    byte[] in = LINES.getBytes(StandardCharsets.UTF_8);
    for (int step : new int[] {1, 3, 7, 64, in.length}) {
      List<ResultChunk> chunks = new ArrayList<>();
      new NdjsonChunks(trickle(in, step), "t").forEachRemaining(chunks::add);
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      JsonLines lines = new JsonLines(out);
      for (ResultChunk c : chunks) {
        lines.write(c.firstIndex(), c.results());
      }
      lines.flush();
      assertEquals(LINES, out.toString(StandardCharsets.UTF_8), "reads of " + step + " bytes");
    }
  }

  @Test
  void consecutiveIndicesShareAChunkAndAGapStartsOne() {
    List<ResultChunk> chunks = new ArrayList<>();
    new NdjsonChunks(new ByteArrayInputStream(LINES.getBytes(StandardCharsets.UTF_8)), "t").forEachRemaining(chunks::add);
    assertEquals(List.of(0L, 9L, 8L, 7L), chunks.stream().map(ResultChunk::firstIndex).toList());
    ResultChunk first = chunks.get(0);
    assertEquals(7, first.results().size());
    assertEquals("Boom", first.items().get(2).error().type());
    assertEquals("{\"a\":[1,2.5,null],\"b\":{}}", first.items().get(4).value().toString());
  }

  @Test
  void aStreamThatBreaksOffInALineIsAnError() {
    byte[] cut = "{\"index\":0,\"value\":1}\n{\"index\":1,\"va".getBytes(StandardCharsets.UTF_8);
    NdjsonChunks chunks = new NdjsonChunks(new ByteArrayInputStream(cut), "cut");
    assertEquals(0, chunks.next().firstIndex());
    IllegalStateException e = assertThrows(IllegalStateException.class, chunks::hasNext);
    assertTrue(e.getMessage().contains("middle of a line"), e.getMessage());
  }

  /** Hands out {@code step} bytes per read, as a network might. */
  private static InputStream trickle(byte[] data, int step) {
    return new ByteArrayInputStream(data) {
      @Override
      public synchronized int read(byte[] b, int off, int len) {
        return super.read(b, off, Math.min(len, step));
      }
    };
  }
}
