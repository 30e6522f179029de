package dev.shoal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shoal.client.JobHandle;
import dev.shoal.client.ResultChunk;
import dev.shoal.api.JobRequest;
import dev.shoal.api.JobStatus;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Results that arrive as the coordinator's bytes are written out as they came, counted line by line. */
class ResultWriterTest {

  private static final String LINES = """
      {"index":0,"value":{"a":1,"error":{"type":"not an item error"}}}
      {"index":1,"error":{"type":"InvalidItem","message":"item is not valid JSON"}}
      {"index":2,"value":"x,\\"error\\":"}
      {"index":3,"value":[1,2,3]}
      {"index":14,"error":{"type":"Boom","message":"b"}}
      """;

  /** A job whose results come as bytes, a few at a time, as a slow network gives them. */
  private static JobHandle bytesJob(String bytes, int readSize) {
    InputStream slow = new ByteArrayInputStream(bytes.getBytes(StandardCharsets.UTF_8)) {
      @Override
      public synchronized int read(byte[] b, int off, int len) {
        return super.read(b, off, Math.min(len, readSize));
      }
    };
    JobStatus done = JobStatus.queued("j", JobRequest.of("echo"), 5, 0);
    return new JobHandle() {
      @Override
      public String id() {
        return "j";
      }

      @Override
      public Iterator<ResultChunk> chunks() {
        throw new AssertionError("bytes are copied, not parsed");
      }

      @Override
      public InputStream resultBytes() {
        return slow;
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
  void theBytesAreWrittenAsTheyCameAndItemsAndErrorsAreCountedFromEachLinesHead() throws Exception {
    for (int readSize : new int[] {1, 3, 7, 64, 1 << 20}) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      List<long[]> seen = new ArrayList<>();
      ResultWriter.write(bytesJob(LINES, readSize), out, true, (items, errors) -> seen.add(new long[] {items, errors}));
      assertEquals(LINES, out.toString(StandardCharsets.UTF_8), "reads of " + readSize);
      long[] last = seen.get(seen.size() - 1);
      assertEquals(5, last[0], "reads of " + readSize);
      assertEquals(2, last[1], "only the lines whose head is an error count: reads of " + readSize);
    }
  }

  @Test
  void resultsThatEndInTheMiddleOfALineAreAnError() {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> ResultWriter.write(bytesJob("{\"index\":0,\"value\":1}\n{\"index\":1,\"va", 5), new ByteArrayOutputStream(),
            true, (items, errors) -> {}));
    assertTrue(e.getMessage().contains("end in the middle of a line"), e.getMessage());
  }
}
