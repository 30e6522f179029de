package dev.shoal.worker.jars;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shoal.protocol.JarProtocol.JarPart;
import org.junit.jupiter.api.Test;

class JarAssemblyTest {

  private static final String SHA = "ab".repeat(32);

  @Test
  void partsInOrderMakeTheWholeJar() {
    JarAssembly a = new JarAssembly(SHA, 100);
    assertEquals(JarAssembly.Step.NEED_MORE, a.accept(new JarPart(SHA, 0, 5, new byte[] {1, 2, 3}, null)));
    assertEquals(3, a.nextOffset());
    assertEquals(JarAssembly.Step.COMPLETE, a.accept(new JarPart(SHA, 3, 5, new byte[] {4, 5}, null)));
    assertArrayEquals(new byte[] {1, 2, 3, 4, 5}, a.bytes());
  }

  @Test
  void aPartAskedForTwiceIsUsedOnce() {
    JarAssembly a = new JarAssembly(SHA, 100);
    a.accept(new JarPart(SHA, 0, 4, new byte[] {1, 2}, null));
    assertEquals(JarAssembly.Step.IGNORED, a.accept(new JarPart(SHA, 0, 4, new byte[] {1, 2}, null)));
    assertEquals(JarAssembly.Step.IGNORED, a.accept(new JarPart("cd".repeat(32), 2, 4, new byte[] {3, 4}, null)));
    assertEquals(JarAssembly.Step.COMPLETE, a.accept(new JarPart(SHA, 2, 4, new byte[] {3, 4}, null)));
    assertArrayEquals(new byte[] {1, 2, 3, 4}, a.bytes());
  }

  @Test
  void aJarOverTheLimitIsRefusedBeforeItsBytesAreKept() {
    JarAssembly a = new JarAssembly(SHA, 10);
    assertEquals(JarAssembly.Step.FAILED, a.accept(new JarPart(SHA, 0, 11, new byte[] {1}, null)));
    assertTrue(a.failure().contains("max-jar-bytes (10)"), a.failure());
    assertEquals(JarAssembly.Step.IGNORED, a.accept(new JarPart(SHA, 0, 5, new byte[] {1}, null)), "a failed assembly stays failed");
  }

  @Test
  void aSizeThatChangesOrAPartThatDoesNotFitFails() {
    JarAssembly changed = new JarAssembly(SHA, 100);
    changed.accept(new JarPart(SHA, 0, 4, new byte[] {1, 2}, null));
    assertEquals(JarAssembly.Step.FAILED, changed.accept(new JarPart(SHA, 2, 6, new byte[] {3, 4}, null)));
    JarAssembly overlong = new JarAssembly(SHA, 100);
    assertEquals(JarAssembly.Step.FAILED, overlong.accept(new JarPart(SHA, 0, 2, new byte[] {1, 2, 3}, null)));
    JarAssembly empty = new JarAssembly(SHA, 100);
    assertEquals(JarAssembly.Step.FAILED, empty.accept(new JarPart(SHA, 0, 2, new byte[0], null)),
        "an empty part of an unfinished jar would be asked for forever");
  }

  @Test
  void theCoordinatorsReasonIsTheFailure() {
    JarAssembly a = new JarAssembly(SHA, 100);
    assertEquals(JarAssembly.Step.FAILED, a.accept(JarPart.failed(SHA, "the coordinator has no jar " + SHA)));
    assertEquals("the coordinator has no jar " + SHA, a.failure());
  }
}
