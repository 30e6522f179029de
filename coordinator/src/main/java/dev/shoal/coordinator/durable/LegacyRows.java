package dev.shoal.coordinator.durable;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shoal.api.ChunkResults;
import dev.shoal.api.ItemError;
import dev.shoal.api.ResultFrames;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Result rows written by Shoal before results were stored as {@link ResultFrames}: JSON Lines, one
 * line per item. A data folder of that version keeps its finished jobs' results readable: such a row
 * is turned into one frame when read, with each value's JSON text kept as it was written.
 */
final class LegacyRows {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte[] VALUE = ",\"value\":".getBytes(StandardCharsets.US_ASCII);

  private LegacyRows() {}

  /** Whether a stored row is JSON Lines (a frame begins with its length, never with a brace). */
  static boolean isLines(byte[] payload) {
    return payload.length > 0 && payload[0] == '{';
  }

  static byte[] toFrames(byte[] payload) {
    List<String> texts = new ArrayList<>();
    List<ItemError> errors = new ArrayList<>();
    long first = -1;
    for (int start = 0; start < payload.length; ) {
      int end = start;
      while (end < payload.length && payload[end] != '\n') {
        end++;
      }
      String line = new String(payload, start, end - start, StandardCharsets.UTF_8);
      int valueAt = indexOf(payload, start, end, VALUE);
      try {
        JsonNode node = JSON.readTree(line);
        if (first < 0) {
          first = node.get("index").asLong();
        }
        if (valueAt >= 0) {
          // the value's own text, between `,"value":` and the line's closing brace
          int from = valueAt + VALUE.length;
          texts.add(new String(payload, from, end - 1 - from, StandardCharsets.UTF_8));
        } else {
          JsonNode error = node.get("error");
          errors.add(new ItemError(texts.size(), error.path("type").asText(), error.path("message").asText()));
          texts.add(null);
        }
      } catch (IOException | RuntimeException e) {
        throw new UncheckedIOException(new IOException("a stored result line cannot be read: " + line, e instanceof
            IOException io ? io : new IOException(e)));
      }
      start = end + 1;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ResultFrames.encode(Math.max(first, 0), results(texts, errors), out);
    return out.toByteArray();
  }

  /** Integers as {@code long}s when every value is one written as {@code JsonLines} writes longs. */
  private static ChunkResults results(List<String> texts, List<ItemError> errors) {
    long[] longs = new long[texts.size()];
    for (int i = 0; i < texts.size(); i++) {
      String t = texts.get(i);
      if (t == null) {
        continue;
      }
      try {
        longs[i] = Long.parseLong(t);
      } catch (NumberFormatException e) {
        return new ChunkResults(null, texts, errors);
      }
      if (!Long.toString(longs[i]).equals(t)) {
        return new ChunkResults(null, texts, errors);
      }
    }
    return new ChunkResults(longs, null, errors);
  }

  private static int indexOf(byte[] b, int from, int to, byte[] what) {
    outer:
    for (int i = from; i + what.length <= to; i++) {
      for (int j = 0; j < what.length; j++) {
        if (b[i + j] != what[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
