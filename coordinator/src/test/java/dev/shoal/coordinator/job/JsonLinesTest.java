package dev.shoal.coordinator.job;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shoal.api.ChunkResults;
import dev.shoal.api.ItemError;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The exact bytes of Shoal's one output format. */
class JsonLinesTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void integerValuesIncludingTheExtremes() throws IOException {
    ChunkResults r = new ChunkResults(new long[] {0, -5, Long.MIN_VALUE, Long.MAX_VALUE, 1234567890123L}, null, List.of());
    assertEquals("""
        {"index":10,"value":0}
        {"index":11,"value":-5}
        {"index":12,"value":-9223372036854775808}
        {"index":13,"value":9223372036854775807}
        {"index":14,"value":1234567890123}
        """, write(10, r));
  }

  /** Integers are formatted two digits at a time: every length, both signs, the int/long seam, random values. */
  @Test
  void integersAreWrittenAsLongToStringWritesThem() throws IOException {
    List<Long> values = new ArrayList<>(List.of(0L, Long.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE + 1,
        (long) Integer.MAX_VALUE, Integer.MAX_VALUE + 1L, Integer.MAX_VALUE - 1L, (long) Integer.MIN_VALUE,
        Integer.MIN_VALUE - 1L));
    for (long p = 1; p > 0 && p <= Long.MAX_VALUE / 10 * 10; p *= 10) {
      for (long v : new long[] {p - 1, p, p + 1, 2 * p - 1, 5 * p}) {
        values.add(v);
        values.add(-v);
      }
    }
    Random random = new Random(42);
    for (int i = 0; i < 10_000; i++) {
      values.add(random.nextLong());
      values.add((long) random.nextInt());
    }
    long[] longs = values.stream().mapToLong(Long::longValue).toArray();
    StringBuilder expected = new StringBuilder();
    for (int i = 0; i < longs.length; i++) {
      expected.append("{\"index\":").append(i).append(",\"value\":").append(Long.toString(longs[i])).append("}\n");
    }
    assertEquals(expected.toString(), write(0, new ChunkResults(longs, null, List.of())));
  }

  @Test
  void jsonValuesAreWrittenAsTheyCame() throws IOException {
    List<String> values = List.of("\"a \\\"q\\\" \\\\ \\n é\"", "{\"k\":[1,2]}", "null", "1.5", "true", "[]");
    String expected = """
        {"index":0,"value":"a \\"q\\" \\\\ \\n é"}
        {"index":1,"value":{"k":[1,2]}}
        {"index":2,"value":null}
        {"index":3,"value":1.5}
        {"index":4,"value":true}
        {"index":5,"value":[]}
        """;
    assertEquals(expected, write(0, new ChunkResults(null, values, List.of())));
  }

  @Test
  void errorsAreEscapedJsonStrings() throws IOException {
    String message = "took \"long\" \\ \n\t\u0001 é";
    ChunkResults r = new ChunkResults(new long[] {7, 0, 9, 0}, null,
        List.of(new ItemError(1, "Timeout", message), new ItemError(3, "Odd\"Type", null)));
    String out = write(5, r);
    assertEquals("""
        {"index":5,"value":7}
        {"index":6,"error":{"type":"Timeout","message":"took \\"long\\" \\\\ \\n\\t\\u0001 é"}}
        {"index":7,"value":9}
        {"index":8,"error":{"type":"Odd\\"Type","message":""}}
        """, out);
    JsonNode line = JSON.readTree(out.split("\n")[1]);
    assertEquals(message, line.path("error").path("message").asText());
  }

  @Test
  void errorsInAJsonChunk() throws IOException {
    ChunkResults r = new ChunkResults(null, Arrays.asList("\"x\"", null), List.of(new ItemError(1, "InvalidItem", "bad")));
    assertEquals("""
        {"index":0,"value":"x"}
        {"index":1,"error":{"type":"InvalidItem","message":"bad"}}
        """, write(0, r));
  }

  @Test
  void anEmptyChunkWritesNothing() throws IOException {
    assertEquals("", write(3, new ChunkResults(new long[0], null, List.of())));
  }

  @Test
  void outputLargerThanTheBufferIsWrittenWhole() throws IOException {
    int n = 20_000;
    long[] longs = new long[n];
    StringBuilder expected = new StringBuilder();
    for (int i = 0; i < n; i++) {
      longs[i] = (long) i * i - 7;
      expected.append("{\"index\":").append(1_000_000 + i).append(",\"value\":").append(longs[i]).append("}\n");
    }
    String big = "\"" + "x".repeat(200_000) + "\"";
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    JsonLines lines = new JsonLines(bytes);
    lines.write(1_000_000, new ChunkResults(longs, null, List.of()));
    lines.write(1_000_000 + n, new ChunkResults(null, List.of("1", big, "2"), List.of()));
    lines.flush();
    expected.append("{\"index\":").append(1_000_000 + n).append(",\"value\":1}\n")
        .append("{\"index\":").append(1_000_000 + n + 1).append(",\"value\":").append(big).append("}\n")
        .append("{\"index\":").append(1_000_000 + n + 2).append(",\"value\":2}\n");
    assertEquals(expected.toString(), bytes.toString(StandardCharsets.UTF_8));
  }

  private static String write(long firstIndex, ChunkResults r) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    JsonLines lines = new JsonLines(bytes);
    lines.write(firstIndex, r);
    lines.flush();
    return bytes.toString(StandardCharsets.UTF_8);
  }
}
