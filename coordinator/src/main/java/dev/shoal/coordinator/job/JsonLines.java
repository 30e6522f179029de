package dev.shoal.coordinator.job;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.shoal.api.ChunkResults;
import dev.shoal.api.ItemError;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Writes results as Shoal's JSON Lines, one line per item:
 * {@code {"index":i,"value":v}} or {@code {"index":i,"error":{"type":"...","message":"..."}}}.
 * The one formatter for every output (CLI files, stdout, the HTTP results stream), so that local
 * and cluster runs give the same bytes. Integers are formatted straight into a byte buffer: at
 * millions of items a second, this loop is the sink's whole cost.
 */
public final class JsonLines {

  private static final byte[] INDEX = "{\"index\":".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] VALUE = ",\"value\":".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] ERROR_TYPE = ",\"error\":{\"type\":\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] ERROR_MESSAGE = "\",\"message\":\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] ERROR_END = "\"}}\n".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] END = "}\n".getBytes(StandardCharsets.US_ASCII);

  private final OutputStream out;
  private byte[] buf = new byte[1 << 16];
  private int pos;

  public JsonLines(OutputStream out) {
    this.out = out;
  }

  /** Writes the lines of one chunk and hands them to the stream (not flushed). */
  public void write(long firstIndex, ChunkResults r) throws IOException {
    List<ItemError> errors = r.errors();
    int nextError = 0;
    int n = r.size();
    long[] longs = r.longs();
    List<String> json = r.json();
    for (int i = 0; i < n; i++) {
      ensure(64);
      put(INDEX);
      putLong(firstIndex + i);
      if (nextError < errors.size() && errors.get(nextError).offset() == i) {
        ItemError e = errors.get(nextError++);
        putError(e);
        continue;
      }
      put(VALUE);
      if (longs != null) {
        putLong(longs[i]);
      } else {
        byte[] v = json.get(i).getBytes(StandardCharsets.UTF_8);
        ensure(v.length + 4);
        put(v);
      }
      put(END);
    }
    drain();
  }

  public void flush() throws IOException {
    drain();
    out.flush();
  }

  private void putError(ItemError e) {
    byte[] type = JsonStringEncoder.getInstance().quoteAsUTF8(e.type());
    byte[] msg = JsonStringEncoder.getInstance().quoteAsUTF8(e.message() == null ? "" : e.message());
    ensure(type.length + msg.length + 64);
    put(ERROR_TYPE);
    put(type);
    put(ERROR_MESSAGE);
    put(msg);
    put(ERROR_END);
  }

  private void ensure(int room) {
    if (pos + room > buf.length) {
      try {
        drain();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      if (room > buf.length) {
        buf = new byte[Math.max(room, buf.length * 2)];
      }
    }
  }

  private void drain() throws IOException {
    if (pos > 0) {
      out.write(buf, 0, pos);
      pos = 0;
    }
  }

  private void put(byte[] b) {
    System.arraycopy(b, 0, buf, pos, b.length);
    pos += b.length;
  }

  private static final byte[] TENS = new byte[100];
  private static final byte[] ONES = new byte[100];

  static {
    for (int i = 0; i < 100; i++) {
      TENS[i] = (byte) ('0' + i / 10);
      ONES[i] = (byte) ('0' + i % 10);
    }
  }

  /** Decimal digits straight into the buffer, two per division (the profile's hot spot for integer results). */
  private void putLong(long v) {
    if (v == Long.MIN_VALUE) {
      put("-9223372036854775808".getBytes(StandardCharsets.US_ASCII));
      return;
    }
    if (v < 0) {
      buf[pos++] = '-';
      v = -v;
    }
    int end = pos + digits(v);
    int p = end;
    while (v >= Integer.MAX_VALUE) {
      long q = v / 100;
      int r = (int) (v - q * 100);
      buf[--p] = ONES[r];
      buf[--p] = TENS[r];
      v = q;
    }
    int i = (int) v;
    while (i >= 100) {
      int q = i / 100;
      int r = i - q * 100;
      buf[--p] = ONES[r];
      buf[--p] = TENS[r];
      i = q;
    }
    if (i >= 10) {
      buf[--p] = ONES[i];
      buf[--p] = TENS[i];
    } else {
      buf[--p] = (byte) ('0' + i);
    }
    pos = end;
  }

  private static int digits(long v) {
    long x = 10;
    for (int d = 1; d < 19; d++) {
      if (v < x) {
        return d;
      }
      x *= 10;
    }
    return 19;
  }
}
