package dev.shoal.worker.jars;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shoal.protocol.JarProtocol;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JarCacheTest {

  @TempDir
  Path dir;

  @Test
  void aStoredJarIsFoundByItsHash() throws Exception {
    JarCache cache = new JarCache(dir, 1 << 20);
    byte[] jar = {1, 2, 3};
    String sha = JarProtocol.sha256Hex(jar);
    assertEquals(Optional.empty(), cache.find(sha));
    Path file = cache.store(sha, jar);
    assertEquals(Optional.of(file), cache.find(sha));
    assertEquals(Optional.of(file), new JarCache(dir, 1 << 20).find(sha), "a node restarted on the same folder finds it");
  }

  @Test
  void bytesThatDoNotHashToTheNameAreNeverStored() {
    JarCache cache = new JarCache(dir, 1 << 20);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> cache.store(JarProtocol.sha256Hex(new byte[] {1}), new byte[] {2}));
    assertTrue(e.getMessage().contains("not to the jar's SHA-256"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> cache.store("../../etc/passwd", new byte[] {2}));
  }

  @Test
  void aFileChangedOnDiskIsDroppedNotLoaded() throws Exception {
    JarCache cache = new JarCache(dir, 1 << 20);
    byte[] jar = {1, 2, 3};
    String sha = JarProtocol.sha256Hex(jar);
    Path file = cache.store(sha, jar);
    Files.write(file, new byte[] {1, 2});
    assertEquals(Optional.empty(), cache.find(sha));
    assertFalse(Files.exists(file));
  }

  @Test
  void beyondItsSizeTheLeastRecentlyUsedJarsGoButNeverTheNewest() throws Exception {
    JarCache cache = new JarCache(dir, 25);
    byte[] a = new byte[10];
    byte[] b = new byte[10];
    b[0] = 1;
    byte[] c = new byte[10];
    c[0] = 2;
    Path fa = cache.store(JarProtocol.sha256Hex(a), a);
    Path fb = cache.store(JarProtocol.sha256Hex(b), b);
    Files.setLastModifiedTime(fa, FileTime.fromMillis(1_000));
    Files.setLastModifiedTime(fb, FileTime.fromMillis(2_000));
    Path fc = cache.store(JarProtocol.sha256Hex(c), c);
    assertFalse(Files.exists(fa), "the least recently used");
    assertTrue(Files.exists(fb));
    assertTrue(Files.exists(fc));
    Path huge = cache.store(JarProtocol.sha256Hex(new byte[100]), new byte[100]);
    assertTrue(Files.exists(huge), "the jar just stored stays, even alone over the limit");
  }
}
