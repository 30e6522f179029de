package dev.shoal.coordinator.http;

import java.util.Optional;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * A results stream from its {@code N}-th line on ({@code GET /jobs/{id}/results?from=N}): what a
 * client whose stream broke off after {@code N} whole lines asks for, so that it reads every line
 * once. Line {@code N} is the {@code N}-th newline-terminated line, 0-based: for an ordered job the
 * result of item {@code N}.
 *
 * <p>Guarantees: no byte is copied. A chunk wholly within the skipped lines is dropped; the chunk in
 * which line {@code N - 1} ends is cut after its newline ({@link ByteString#drop} shares the array);
 * every later chunk passes as it came. A {@code from} beyond the stream's end gives an empty
 * stream, which ends when the job ends.
 *
 * <p>Caveat: lines, not bytes, are the unit, so a client must resume after a whole line; a partial
 * line it holds is read again from its start.
 */
final class SkipLines {

  private long remaining;

  SkipLines(long lines) {
    this.remaining = lines;
  }

  /** {@code bytes} without their first {@code lines} lines. */
  static <M> Source<ByteString, M> from(Source<ByteString, M> bytes, long lines) {
    if (lines == 0) {
      return bytes;
    }
    return bytes
        .statefulMap(() -> new SkipLines(lines), (skip, chunk) -> Pair.create(skip, skip.rest(chunk)), skip -> Optional.empty())
        .filter(chunk -> !chunk.isEmpty());
  }

  /**
   * The {@code from} query parameter: absent is 0; anything but a whole number from 0 up is an
   * {@link ApiError} 400 naming it.
   */
  static long parseFrom(Optional<String> from) {
    if (from.isEmpty()) {
      return 0;
    }
    String text = from.get();
    try {
      long n = Long.parseLong(text);
      if (n >= 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // answered below, with the value as given
    }
    throw ApiError.badRequest("from must be a line number, 0 or more (the lines already read), got '" + text + "'");
  }

  /** What is left of {@code chunk} once the lines still to skip are skipped; empty while they last. */
  ByteString rest(ByteString chunk) {
    int pos = 0;
    while (remaining > 0) {
      int newline = chunk.indexOf((byte) '\n', pos);
      if (newline < 0) {
        return ByteString.emptyByteString();
      }
      remaining--;
      pos = newline + 1;
    }
    return pos == 0 ? chunk : chunk.drop(pos);
  }
}
