package dev.shoal.client;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.shoal.api.ChunkResults;
import dev.shoal.api.ItemError;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * Turns a results stream ({@code GET /jobs/{id}/results}, Shoal's JSON Lines) back into {@link
 * ResultChunk}s as the bytes arrive: each read's whole lines become chunks of consecutive indices at
 * once, so a result is handed on without waiting for more.
 *
 * <p>Guarantee: written out again with {@code JsonLines}, the chunks give back the very bytes that
 * were read: a value's JSON text is kept as sent (integers as {@code long}s, which {@code JsonLines}
 * writes the same way). Memory is one read buffer plus the chunks not yet taken.
 */
final class NdjsonChunks implements Iterator<ResultChunk>, AutoCloseable {

  private static final JsonFactory JSON = new JsonFactory();
  private static final int MAX_CHUNK = 8192;
  private static final byte[] INDEX_FIELD = "{\"index\":".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] VALUE_FIELD = ",\"value\":".getBytes(StandardCharsets.US_ASCII);

  private final InputStream in;
  private final String jobId;
  private final ArrayDeque<ResultChunk> ready = new ArrayDeque<>();
  private byte[] buf = new byte[1 << 16];
  private int start;
  private int end;
  private boolean eof;
  private volatile boolean closed;
  private long parsed;
  private long lineIndex;
  private long lineValue;

  NdjsonChunks(InputStream in, String jobId) {
    this.in = in;
    this.jobId = jobId;
  }

  @Override
  public boolean hasNext() {
    while (ready.isEmpty() && !eof && !closed) {
      fill();
    }
    return !ready.isEmpty();
  }

  @Override
  public ResultChunk next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    return ready.poll();
  }

  /** Stops reading; the rest of the stream is dropped. */
  @Override
  public void close() {
    closed = true;
    try {
      in.close();
    } catch (IOException ignored) {
      // the response is abandoned either way
    }
  }

  private void fill() {
    if (start > 0) {
      System.arraycopy(buf, start, buf, 0, end - start);
      end -= start;
      start = 0;
    }
    if (end == buf.length) {
      buf = Arrays.copyOf(buf, buf.length * 2);
    }
    int n;
    try {
      n = in.read(buf, end, buf.length - end);
    } catch (IOException e) {
      if (closed) {
        return;
      }
      throw new UncheckedIOException("the results of job " + jobId + " broke off: " + e.getMessage(), e);
    }
    if (n < 0) {
      eof = true;
      if (end > start) {
        throw new IllegalStateException("the results of job " + jobId + " end in the middle of a line");
      }
      return;
    }
    end += n;
    int lastLine = end - 1;
    while (lastLine >= start && buf[lastLine] != '\n') {
      lastLine--;
    }
    if (lastLine >= start) {
      parse(start, lastLine + 1);
      start = lastLine + 1;
    }
  }

  /**
   * Parses the whole lines in {@code buf[from, to)}: Shoal's integer lines straight from the bytes as
   * long as they come, then whatever is left with one parser over its sequence of root values.
   */
  private void parse(int from, int to) {
    Batch batch = null;
    int pos = from;
    for (int next = integerLine(pos, to); next > 0; next = integerLine(pos, to)) {
      if (batch == null || !batch.continuesWith(lineIndex)) {
        if (batch != null) {
          ready.add(batch.chunk());
        }
        batch = new Batch(lineIndex);
      }
      batch.addLong(lineValue);
      pos = next;
    }
    if (pos < to) {
      batch = parseJson(pos, to, batch);
    }
    if (batch != null) {
      ready.add(batch.chunk());
    }
  }

  /**
   * The fast path, for the lines {@code JsonLines} writes for integer values, {@code
   * {"index":I,"value":V}}, which are nearly all of a large integer job's bytes: a million lines cost
   * about a quarter of the general parser's CPU time (about 35 ms against 150 ms). Takes only the canonical form (no leading zeros, no
   * {@code -0}, at most 18 digits), so that writing the value again gives the same bytes; anything
   * else is left to the general parser.
   *
   * @return the offset after the line, with {@link #lineIndex} and {@link #lineValue} set; -1 if the
   *     line at {@code p} is not such a line
   */
  private int integerLine(int p, int to) {
    if (!startsWith(p, to, INDEX_FIELD)) {
      return -1;
    }
    p = number(p + INDEX_FIELD.length, to, false);
    if (p < 0 || !startsWith(p, to, VALUE_FIELD)) {
      return -1;
    }
    long index = parsed;
    p = number(p + VALUE_FIELD.length, to, true);
    if (p < 0 || p + 1 >= to || buf[p] != '}' || buf[p + 1] != '\n') {
      return -1;
    }
    lineIndex = index;
    lineValue = parsed;
    return p + 2;
  }

  private boolean startsWith(int p, int to, byte[] prefix) {
    if (to - p < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (buf[p + i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  /** A canonical decimal integer of at most 18 digits at {@code p} into {@link #parsed}; its end, or -1. */
  private int number(int p, int to, boolean signed) {
    boolean negative = signed && p < to && buf[p] == '-';
    int start = negative ? p + 1 : p;
    long v = 0;
    int q = start;
    while (q < to && q - start <= 18 && buf[q] >= '0' && buf[q] <= '9') {
      v = v * 10 + (buf[q] - '0');
      q++;
    }
    int digits = q - start;
    if (digits == 0 || digits > 18 || (digits > 1 && buf[start] == '0') || (negative && v == 0)) {
      return -1;
    }
    parsed = negative ? -v : v;
    return q;
  }

  /** The general path: one parser over the sequence of root values in {@code buf[from, to)}. */
  private Batch parseJson(int from, int to, Batch batch) {
    try (JsonParser p = JSON.createParser(buf, from, to - from)) {
      while (p.nextToken() == JsonToken.START_OBJECT) {
        long index = field(p, "index") == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : -1;
        String kind = p.nextToken() == JsonToken.FIELD_NAME ? p.currentName() : "";
        if (index < 0 || !(kind.equals("value") || kind.equals("error"))) {
          throw malformed(p);
        }
        if (batch == null || !batch.continuesWith(index)) {
          if (batch != null) {
            ready.add(batch.chunk());
          }
          batch = new Batch(index);
        }
        JsonToken t = p.nextToken();
        if (kind.equals("error")) {
          batch.addError(error(p));
        } else if (t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
          batch.addLong(p.getLongValue());
        } else {
          int valueStart = from + (int) p.currentTokenLocation().getByteOffset();
          p.skipChildren();
          if (p.nextToken() != JsonToken.END_OBJECT) {
            throw malformed(p);
          }
          int valueEnd = from + (int) p.currentTokenLocation().getByteOffset();
          batch.addJson(new String(buf, valueStart, valueEnd - valueStart, StandardCharsets.UTF_8).trim());
          continue;
        }
        if (p.nextToken() != JsonToken.END_OBJECT) {
          throw malformed(p);
        }
      }
      if (p.currentToken() != null) {
        throw malformed(p);
      }
    } catch (IOException e) {
      throw new IllegalStateException("the results of job " + jobId + " are not Shoal's JSON Lines: " + e.getMessage(), e);
    }
    return batch;
  }

  private static JsonToken field(JsonParser p, String name) throws IOException {
    if (p.nextToken() != JsonToken.FIELD_NAME || !name.equals(p.currentName())) {
      throw malformed(p);
    }
    return p.nextToken();
  }

  private static ItemError error(JsonParser p) throws IOException {
    String type = null;
    String message = null;
    if (p.currentToken() != JsonToken.START_OBJECT) {
      throw malformed(p);
    }
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      p.nextToken();
      if (name.equals("type")) {
        type = p.getText();
      } else if (name.equals("message")) {
        message = p.getText();
      } else {
        p.skipChildren();
      }
    }
    return new ItemError(0, type, message);
  }

  private static IOException malformed(JsonParser p) {
    return new IOException("unexpected " + p.currentToken() + " at byte " + p.currentTokenLocation().getByteOffset()
        + " of a read");
  }

  /** Results of consecutive indices, as longs until a value is not one, then as JSON texts. */
  private static final class Batch {
    private final long first;
    private long[] longs = new long[64];
    private List<String> json;
    private final List<ItemError> errors = new ArrayList<>();
    private int n;

    Batch(long first) {
      this.first = first;
    }

    boolean continuesWith(long index) {
      return index == first + n && n < MAX_CHUNK;
    }

    void addLong(long v) {
      if (json != null) {
        json.add(Long.toString(v));
      } else {
        if (n == longs.length) {
          longs = Arrays.copyOf(longs, n * 2);
        }
        longs[n] = v;
      }
      n++;
    }

    void addJson(String text) {
      if (json == null) {
        json = new ArrayList<>(Math.max(16, n * 2));
        for (int i = 0; i < n; i++) {
          json.add(Long.toString(longs[i]));
        }
        errors.forEach(e -> json.set(e.offset(), null));
        longs = null;
      }
      json.add(text);
      n++;
    }

    void addError(ItemError e) {
      errors.add(new ItemError(n, e.type(), e.message()));
      if (json != null) {
        json.add(null);
        n++;
      } else {
        addLong(0);
      }
    }

    ResultChunk chunk() {
      ChunkResults r = json != null ? new ChunkResults(null, json, errors) : new ChunkResults(Arrays.copyOf(longs, n), null, errors);
      return new ResultChunk(first, r);
    }
  }
}
