package dev.shoal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.shoal.api.ChunkResults;
import dev.shoal.api.ItemError;
import dev.shoal.api.JobRequest;
import dev.shoal.api.JobStatus;
import dev.shoal.client.JobHandle;
import dev.shoal.client.ResultChunk;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A job's results are written as Shoal's JSON Lines as each chunk comes, counted item by item. */
class ResultWriterTest {

  private static final List<ResultChunk> CHUNKS = List.of(
      new ResultChunk(0, new ChunkResults(null, java.util.Arrays.asList("{\"a\":1,\"error\":{\"type\":\"not an item error\"}}",
          null, "\"x,\\\"error\\\":\"", "[1,2,3]"), List.of(new ItemError(1, "InvalidItem", "item is not valid JSON")))),
      new ResultChunk(14, new ChunkResults(new long[] {0, 9}, null, List.of(new ItemError(0, "Boom", "b")))));

  private static final String LINES = """
      {"index":0,"value":{"a":1,"error":{"type":"not an item error"}}}
      {"index":1,"error":{"type":"InvalidItem","message":"item is not valid JSON"}}
      {"index":2,"value":"x,\\"error\\":"}
      {"index":3,"value":[1,2,3]}
      {"index":14,"error":{"type":"Boom","message":"b"}}
      {"index":15,"value":9}
      """;

  private static JobHandle job() {
    JobStatus done = JobStatus.queued("j", JobRequest.of("echo"), 6, 0);
    return new JobHandle() {
      @Override
      public String id() {
        return "j";
      }

      @Override
      public Iterator<ResultChunk> chunks() {
        return CHUNKS.iterator();
      }

      @Override
      public JobStatus await() {
        return done;
      }

      @Override
      public JobStatus status() {
        return done;
      }

      @Override
      public void cancel() {}
    };
  }

  @Test
  void eachChunkIsWrittenAndFlushedAsItComesWithItsItemsAndErrorsCounted() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    List<String> flushed = new ArrayList<>();
    OutputStream watched = new OutputStream() {
      @Override
      public void write(int b) {
        out.write(b);
      }

      @Override
      public void write(byte[] b, int off, int len) {
        out.write(b, off, len);
      }

      @Override
      public void flush() {
        flushed.add(out.toString(StandardCharsets.UTF_8));
      }
    };
    List<long[]> seen = new ArrayList<>();
    ResultWriter.write(job(), watched, true, (items, errors) -> seen.add(new long[] {items, errors}));

    assertEquals(LINES, out.toString(StandardCharsets.UTF_8));
    assertEquals(List.of(4L, 6L), seen.stream().map(s -> s[0]).toList(), "items written after each chunk");
    assertEquals(List.of(1L, 2L), seen.stream().map(s -> s[1]).toList(), "errors among them");
    assertEquals(LINES.lines().limit(4).map(l -> l + "\n").reduce("", String::concat), flushed.get(0),
        "live output shows the first chunk before the second comes");
  }
}
