package dev.shoal.protocol;

import org.apache.pekko.actor.typed.ActorRef;

/**
 * How a worker gets a job jar it lacks: it asks the coordinator for the jar's bytes a part at a time
 * ({@link FetchJar}), each part well under Artery's frame size, and checks the whole against the
 * SHA-256 the job names before it loads a class of it.
 */
public final class JarProtocol {

  private JarProtocol() {}

  /** The largest part a coordinator sends: far below {@code maximum-frame-size}, so chunks are not held up behind it. */
  public static final int PART_BYTES = 512 * 1024;

  /** The name of a jar: the SHA-256 of its bytes, 64 lower-case hex digits. */
  public static String sha256Hex(byte[] bytes) {
    return java.util.HexFormat.of().formatHex(sha256().digest(bytes));
  }

  /** A fresh SHA-256 digest. */
  public static java.security.MessageDigest sha256() {
    try {
      return java.security.MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** Send the bytes of jar {@code sha256} from {@code offset} on, at most {@link #PART_BYTES}, to {@code replyTo}. */
  public record FetchJar(String sha256, long offset, ActorRef<JarPart> replyTo)
      implements CoordinatorProtocol.Command, CborSerializable {}

  /**
   * A part of a jar: {@code bytes} from {@code offset} of {@code total}; or, when {@code error} is not
   * null, why there is none (no such jar, the store cannot be read).
   */
  public record JarPart(String sha256, long offset, long total, byte[] bytes, String error) implements CborSerializable {

    public static JarPart failed(String sha256, String error) {
      return new JarPart(sha256, 0, -1, new byte[0], error);
    }

    // a record's own equals compares arrays by identity
    @Override
    public boolean equals(Object o) {
      return o instanceof JarPart p && p.offset == offset && p.total == total && java.util.Objects.equals(p.sha256, sha256)
          && java.util.Arrays.equals(p.bytes, bytes) && java.util.Objects.equals(p.error, error);
    }

    @Override
    public int hashCode() {
      return java.util.Objects.hash(sha256, offset, total, java.util.Arrays.hashCode(bytes), error);
    }

    @Override
    public String toString() {
      return "JarPart[" + sha256 + " @" + offset + "+" + bytes.length + "/" + total + (error == null ? "" : " " + error) + "]";
    }
  }
}
