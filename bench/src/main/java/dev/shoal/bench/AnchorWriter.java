package dev.shoal.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shoal.api.ChunkResults;
import dev.shoal.api.ItemError;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * Writes a job's results the way the anchors write theirs: one value per line, strings without their
 * quotes, so that Shoal's output file can be checked against the anchors' {@code expected.sha256}
 * byte for byte. A failed item is written as an {@code ERROR} line: the digest then fails, and a
 * fast wrong answer shows in the report as wrong. Integers are formatted straight into a byte
 * buffer, since at a million items this is most of the sink's cost (as in Shoal's own JsonLines).
 */
final class AnchorWriter implements Closeable {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final OutputStream out;
  private final byte[] buf = new byte[1 << 16];
  private int pos;
  private long errors;

  AnchorWriter(Path file) throws IOException {
    this.out = Files.newOutputStream(file);
  }

  void write(ChunkResults r) throws IOException {
    List<ItemError> errs = r.errors();
    int nextError = 0;
    long[] longs = r.longs();
    for (int i = 0, n = r.size(); i < n; i++) {
      if (pos + 32 > buf.length) {
        drain();
      }
      if (nextError < errs.size() && errs.get(nextError).offset() == i) {
        ItemError e = errs.get(nextError++);
        errors++;
        putText("ERROR " + e.type() + ": " + e.message());
      } else if (longs != null) {
        putLong(longs[i]);
      } else {
        putText(unquoted(r.json().get(i)));
      }
      buf[pos++] = '\n';
    }
  }

  long errors() {
    return errors;
  }

  @Override
  public void close() throws IOException {
    drain();
    out.close();
  }

  /** The lowercase hex SHA-256 of a file, read back from disk. */
  static String sha256(Path file) throws IOException {
    try (DigestInputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
      in.transferTo(OutputStream.nullOutputStream());
      return HexFormat.of().formatHex(in.getMessageDigest().digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String unquoted(String json) throws IOException {
    if (json.length() >= 2 && json.charAt(0) == '"' && json.indexOf('\\') < 0) {
      return json.substring(1, json.length() - 1);
    }
    return json.startsWith("\"") ? JSON.readTree(json).textValue() : json;
  }

  private void putText(String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (pos + b.length + 1 > buf.length) {
      drain();
    }
    if (b.length + 1 > buf.length) {
      out.write(b);
      return;
    }
    System.arraycopy(b, 0, buf, pos, b.length);
    pos += b.length;
  }

  private void putLong(long v) throws IOException {
    if (v == Long.MIN_VALUE) {
      putText(Long.toString(v));
      return;
    }
    if (v < 0) {
      buf[pos++] = '-';
      v = -v;
    }
    int start = pos;
    do {
      buf[pos++] = (byte) ('0' + (v % 10));
      v /= 10;
    } while (v != 0);
    for (int i = start, j = pos - 1; i < j; i++, j--) {
      byte t = buf[i];
      buf[i] = buf[j];
      buf[j] = t;
    }
  }

  private void drain() throws IOException {
    out.write(buf, 0, pos);
    pos = 0;
  }
}
