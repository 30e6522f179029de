package dev.shoal.api;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.StreamCorruptedException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Shoal's binary results format ({@value #MEDIA_TYPE}): a job's results as a sequence of frames,
 * each the {@link ChunkResults} of consecutive items, columnar as the workers send them. The
 * coordinator stores results in this form and streams the stored bytes to Shoal's own clients as
 * they are; JSON Lines are made from it only for a reader that asks for them (curl, a browser).
 * Integers take 8 bytes each instead of a 40-byte JSON line, and neither side formats or parses text.
 *
 * <p>A frame, big-endian: {@code int} length of the rest of the frame; {@code long} index of its first
 * item; {@code int} item count; {@code byte} kind (0: a {@code long} per item, 1: a JSON text per
 * item as an {@code int} byte length, -1 for none, and UTF-8 bytes); {@code int} error count and per
 * error its {@code int} offset in the frame and its type and message as texts. A stream a client asks
 * to end so ({@code GET /jobs/{id}/results?end=status}) ends with one more frame of kind 2: no items,
 * its first index the number of items the job has, the job's final status as one JSON text and no
 * errors ({@link #encodeEnd}); a reader then has the outcome without asking for it again.
 *
 * <p>Guarantees: {@link #decode} gives back equal results to those {@link #encode}d; the first 16
 * bytes of a frame ({@link #HEADER}) say its length, first index and count, so a frame is skipped
 * without decoding it. Caveat: one frame is held whole in memory: writers cut large chunks into
 * frames of at most {@value #MAX_ITEMS} items.
 */
public final class ResultFrames {

  /** The media type of a results stream of frames. */
  public static final String MEDIA_TYPE = "application/x-shoal-results";
  /** Bytes before a frame's kind: its length, first index and count. */
  public static final int HEADER = 16;
  /** The most items a writer puts in one frame, so that a reader gets results as they come. */
  public static final int MAX_ITEMS = 8192;

  private static final byte LONGS = 0;
  private static final byte JSON = 1;
  private static final byte END = 2;
  private static final ChunkResults NO_RESULTS = new ChunkResults(new long[0], null, List.of());

  private ResultFrames() {}

  /**
   * One frame: {@code results} of the items from {@code firstIndex} on; or, for the frame that ends a
   * stream asked to end with the job's status, that status as JSON in {@code endStatus} and no results.
   */
  public record Frame(long firstIndex, ChunkResults results, String endStatus) {

    public Frame(long firstIndex, ChunkResults results) {
      this(firstIndex, results, null);
    }

    /** Whether this is the frame that ends a stream with the job's final status. */
    public boolean isEnd() {
      return endStatus != null;
    }
  }

  /** The frame that ends a stream: the job's final status as JSON, after its {@code items} items. */
  public static byte[] encodeEnd(long items, String statusJson) {
    byte[] text = statusJson.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = ByteBuffer.allocate(HEADER + 1 + 4 + text.length + 4);
    b.putInt(b.capacity() - 4).putLong(items).putInt(0).put(END);
    putText(b, text);
    b.putInt(0);
    return b.array();
  }

  /**
   * The frames of one chunk's results, cut at {@value #MAX_ITEMS} items, handed to {@code frames}
   * one at a time, so that a writer may store some before the next is made.
   */
  public static void encode(long firstIndex, ChunkResults r, Consumer<byte[]> frames) {
    encode(firstIndex, r, MAX_ITEMS, frames);
  }

  /** The frames of one chunk's results, cut at {@code maxItems} items (1 or more), handed to {@code frames}. */
  public static void encode(long firstIndex, ChunkResults r, int maxItems, Consumer<byte[]> frames) {
    if (maxItems < 1) {
      throw new IllegalArgumentException("a frame holds at least one item, not " + maxItems);
    }
    int n = r.size();
    for (int from = 0; from < n; from += maxItems) {
      int to = Math.min(n, from + maxItems);
      frames.accept(encode(firstIndex + from, from == 0 && to == n ? r : r.slice(from, to)));
    }
  }

  /** The frames of one chunk's results, cut at {@value #MAX_ITEMS} items, appended to {@code out}. */
  public static void encode(long firstIndex, ChunkResults r, ByteArrayOutputStream out) {
    encode(firstIndex, r, frame -> out.write(frame, 0, frame.length));
  }

  /** One frame holding all of {@code r}, however many items. */
  public static byte[] encode(long firstIndex, ChunkResults r) {
    int n = r.size();
    long[] longs = r.longs();
    byte[][] texts = null;
    long size = HEADER + 1L + 4;
    if (longs != null) {
      size += 8L * n;
    } else {
      texts = new byte[n][];
      for (int i = 0; i < n; i++) {
        String t = r.json().get(i);
        texts[i] = t == null ? null : t.getBytes(StandardCharsets.UTF_8);
        size += 4 + length(texts[i]);
      }
    }
    List<byte[]> errorTexts = new ArrayList<>(r.errors().size() * 2);
    for (ItemError e : r.errors()) {
      byte[] type = text(e.type());
      byte[] message = text(e.message());
      errorTexts.add(type);
      errorTexts.add(message);
      size += 12 + length(type) + length(message);
    }
    if (size > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("results of " + n + " items are too large for one frame (" + size + " bytes)");
    }
    ByteBuffer b = ByteBuffer.allocate((int) size);
    b.putInt((int) size - 4).putLong(firstIndex).putInt(n);
    if (longs != null) {
      b.put(LONGS);
      b.asLongBuffer().put(longs);
      b.position(b.position() + 8 * n);
    } else {
      b.put(JSON);
      for (byte[] t : texts) {
        putText(b, t);
      }
    }
    b.putInt(r.errors().size());
    for (int i = 0; i < r.errors().size(); i++) {
      b.putInt(r.errors().get(i).offset());
      putText(b, errorTexts.get(2 * i));
      putText(b, errorTexts.get(2 * i + 1));
    }
    return b.array();
  }

  /** The frame at {@code offset} of {@code bytes}. */
  public static Frame decode(byte[] bytes, int offset) {
    ByteBuffer b = ByteBuffer.wrap(bytes, offset, frameLength(bytes, offset));
    try {
      return read(b);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("a damaged results frame at byte " + offset + ": " + e, e);
    }
  }

  /** The whole length of the frame at {@code offset}, its header included. */
  public static int frameLength(byte[] bytes, int offset) {
    return ByteBuffer.wrap(bytes, offset, 4).getInt() + 4;
  }

  /** The index of the first item of the frame at {@code offset}. */
  public static long firstIndex(byte[] bytes, int offset) {
    return ByteBuffer.wrap(bytes, offset + 4, 8).getLong();
  }

  /** The items in the frame at {@code offset}. */
  public static int count(byte[] bytes, int offset) {
    return ByteBuffer.wrap(bytes, offset + 12, 4).getInt();
  }

  /**
   * The next frame of {@code in}, or null if the stream ends before one begins; an {@link
   * EOFException} if it ends inside one, a {@link StreamCorruptedException} if the bytes are no frame.
   */
  public static Frame read(DataInputStream in) throws IOException {
    int first = in.read();
    if (first < 0) {
      return null;
    }
    byte[] frame = new byte[4];
    frame[0] = (byte) first;
    in.readFully(frame, 1, 3);
    int length = ByteBuffer.wrap(frame).getInt();
    if (length < HEADER + 1 || length > (1 << 30)) {
      throw new StreamCorruptedException("not a results frame (its length says " + length + " bytes)");
    }
    byte[] whole = new byte[length + 4];
    System.arraycopy(frame, 0, whole, 0, 4);
    in.readFully(whole, 4, length);
    try {
      return read(ByteBuffer.wrap(whole));
    } catch (RuntimeException e) {
      StreamCorruptedException damaged = new StreamCorruptedException("a damaged results frame: " + e);
      damaged.initCause(e);
      throw damaged;
    }
  }

  /** Reads every frame of {@code in} to its end. */
  public static List<Frame> readAll(InputStream in) throws IOException {
    DataInputStream data = new DataInputStream(in);
    List<Frame> frames = new ArrayList<>();
    for (Frame f = read(data); f != null; f = read(data)) {
      frames.add(f);
    }
    return frames;
  }

  private static Frame read(ByteBuffer b) {
    b.getInt();
    long firstIndex = b.getLong();
    int n = b.getInt();
    byte kind = b.get();
    long[] longs = null;
    List<String> json = null;
    if (kind == LONGS) {
      longs = new long[n];
      b.asLongBuffer().get(longs);
      b.position(b.position() + 8 * n);
    } else if (kind == JSON) {
      json = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        json.add(readText(b));
      }
    } else if (kind == END && n == 0) {
      String status = readText(b);
      if (status == null || b.getInt() != 0) {
        throw new IllegalArgumentException("an end frame without a status, or with errors");
      }
      return new Frame(firstIndex, NO_RESULTS, status);
    } else {
      throw new IllegalArgumentException("unknown kind " + kind);
    }
    int errorCount = b.getInt();
    List<ItemError> errors = new ArrayList<>(errorCount);
    for (int i = 0; i < errorCount; i++) {
      int offset = b.getInt();
      errors.add(new ItemError(offset, readText(b), readText(b)));
    }
    return new Frame(firstIndex, new ChunkResults(longs, json, errors));
  }

  private static String readText(ByteBuffer b) {
    int len = b.getInt();
    if (len < 0) {
      return null;
    }
    String s = new String(b.array(), b.arrayOffset() + b.position(), len, StandardCharsets.UTF_8);
    b.position(b.position() + len);
    return s;
  }

  private static byte[] text(String s) {
    return s == null ? null : s.getBytes(StandardCharsets.UTF_8);
  }

  private static int length(byte[] text) {
    return text == null ? 0 : text.length;
  }

  private static void putText(ByteBuffer b, byte[] text) {
    if (text == null) {
      b.putInt(-1);
    } else {
      b.putInt(text.length).put(text);
    }
  }
}
