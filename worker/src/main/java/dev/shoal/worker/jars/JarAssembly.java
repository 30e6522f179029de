package dev.shoal.worker.jars;

import dev.shoal.protocol.JarProtocol.JarPart;
import java.io.ByteArrayOutputStream;

/**
 * The parts of one jar as they arrive, in order, into its whole bytes. A plain class: the rules
 * (which part comes next, what size is acceptable, when it is complete) are tested without actors.
 *
 * <p>Guarantee: it accepts only the part that begins where the bytes so far end, of a jar whose size
 * stays what its first part said and no more than {@code maxBytes}; anything else is either a late
 * repeat (ignored) or a reason to give up (reported).
 */
final class JarAssembly {

  /** What a part did to the assembly. */
  enum Step { NEED_MORE, COMPLETE, IGNORED, FAILED }

  private final String sha256;
  private final long maxBytes;
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private long total = -1;
  private String failure;

  JarAssembly(String sha256, long maxBytes) {
    this.sha256 = sha256;
    this.maxBytes = maxBytes;
  }

  Step accept(JarPart part) {
    if (failure != null || !sha256.equals(part.sha256())) {
      return Step.IGNORED;
    }
    if (part.error() != null) {
      failure = part.error();
      return Step.FAILED;
    }
    if (part.offset() != bytes.size()) {
      // an answer to a request asked again after a timeout: its twin has been or will be used
      return Step.IGNORED;
    }
    if (part.total() < 0 || part.total() > maxBytes) {
      failure = "the jar is " + part.total() + " bytes, more than shoal.worker.jars.max-jar-bytes (" + maxBytes + ")";
      return Step.FAILED;
    }
    if (total >= 0 && part.total() != total) {
      failure = "the jar's size changed while it was fetched (" + total + " then " + part.total() + " bytes)";
      return Step.FAILED;
    }
    total = part.total();
    if (part.bytes().length == 0 && bytes.size() < total || bytes.size() + part.bytes().length > total) {
      failure = "the coordinator sent a part that does not fit the jar's size";
      return Step.FAILED;
    }
    bytes.write(part.bytes(), 0, part.bytes().length);
    return bytes.size() == total ? Step.COMPLETE : Step.NEED_MORE;
  }

  /** Where the next part begins. */
  long nextOffset() {
    return bytes.size();
  }

  byte[] bytes() {
    return bytes.toByteArray();
  }

  String failure() {
    return failure;
  }
}
