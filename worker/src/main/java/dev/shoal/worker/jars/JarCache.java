package dev.shoal.worker.jars;

import dev.shoal.api.JarInfo;
import dev.shoal.protocol.JarProtocol;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The job jars a node has fetched, one file per jar named by its SHA-256, in a folder that outlives
 * the node (so a restarted worker does not fetch again) and that several nodes of one machine may
 * share.
 *
 * <p>Guarantees: a file is used only after its bytes hash to its name (a half-written, truncated or
 * tampered file is deleted and fetched again); a jar is written to a fresh temporary file and moved
 * into place in one step, so a reader never sees part of one; beyond {@code maxBytes} the least
 * recently used jars are deleted, never the one just stored.
 *
 * <p>Caveat: every method reads or writes the disk: call it off the actor thread. A jar another
 * process still has open is deleted from the folder only (its loader keeps reading it).
 */
public final class JarCache {

  private final Path dir;
  private final long maxBytes;

  public JarCache(Path dir, long maxBytes) {
    this.dir = dir;
    this.maxBytes = maxBytes;
  }

  /** The verified file of jar {@code sha256}, if this cache holds it. */
  public Optional<Path> find(String sha256) throws IOException {
    Path file = fileOf(sha256);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    if (!sha256Hex(file).equals(sha256)) {
      Files.deleteIfExists(file);
      return Optional.empty();
    }
    Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis()));
    return Optional.of(file);
  }

  /**
   * Stores the bytes of jar {@code sha256} and answers its file.
   *
   * @throws IllegalArgumentException if the bytes do not hash to {@code sha256}
   */
  public Path store(String sha256, byte[] bytes) throws IOException {
    String actual = JarProtocol.sha256Hex(bytes);
    if (!actual.equals(sha256)) {
      throw new IllegalArgumentException("the bytes received hash to " + actual + ", not to the jar's SHA-256");
    }
    Files.createDirectories(dir);
    Path file = fileOf(sha256);
    Path tmp = dir.resolve(sha256 + "." + UUID.randomUUID() + ".part");
    Files.write(tmp, bytes);
    try {
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
    }
    evictBeyondLimit(file);
    return file;
  }

  private void evictBeyondLimit(Path keep) throws IOException {
    List<Path> jars = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      files.filter(p -> p.getFileName().toString().endsWith(".jar")).forEach(jars::add);
    }
    long total = 0;
    for (Path p : jars) {
      total += sizeOf(p);
    }
    jars.sort(Comparator.comparing(JarCache::modified));
    for (Path p : jars) {
      if (total <= maxBytes) {
        return;
      }
      if (!p.equals(keep)) {
        total -= sizeOf(p);
        Files.deleteIfExists(p);
      }
    }
  }

  private Path fileOf(String sha256) {
    if (!JarInfo.isSha256(sha256)) {
      throw new IllegalArgumentException("not a SHA-256: " + sha256);
    }
    return dir.resolve(sha256 + ".jar");
  }

  private static long sizeOf(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      return 0;
    }
  }

  private static FileTime modified(Path p) {
    try {
      return Files.getLastModifiedTime(p);
    } catch (IOException e) {
      return FileTime.fromMillis(0);
    }
  }

  static String sha256Hex(Path file) throws IOException {
    MessageDigest md = JarProtocol.sha256();
    try (InputStream in = Files.newInputStream(file)) {
      byte[] buf = new byte[1 << 16];
      for (int n; (n = in.read(buf)) > 0; ) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }
}
