package dev.shoal.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * The anchors directory ({@code ../shared/anchors} beside the repository, or {@code SHOAL_ANCHORS}):
 * the baseline programs and the expected digest of each workload's output.
 */
final class Anchors {

  final Path dir;
  private final Map<String, String> expected;

  private Anchors(Path dir, Map<String, String> expected) {
    this.dir = dir;
    this.expected = expected;
  }

  static Anchors load(Path dir) throws IOException {
    Path sums = dir.resolve("expected.sha256");
    if (!Files.isReadable(sums)) {
      throw new IllegalArgumentException("no anchors at " + dir + " (expected.sha256 missing); set SHOAL_ANCHORS or --anchors");
    }
    Map<String, String> expected = new HashMap<>();
    for (String line : Files.readAllLines(sums, StandardCharsets.US_ASCII)) {
      String[] parts = line.trim().split("\\s+");
      if (parts.length == 2) {
        expected.put(parts[1], parts[0]);
      }
    }
    return new Anchors(dir, expected);
  }

  /** True when {@code file} holds exactly the correct output of {@code w}. */
  boolean matches(Workload w, Path file) throws IOException {
    String want = expected.get(w.anchor);
    if (want == null) {
      throw new IllegalStateException("expected.sha256 has no digest for " + w.anchor);
    }
    return Files.exists(file) && want.equals(AnchorWriter.sha256(file));
  }
}
