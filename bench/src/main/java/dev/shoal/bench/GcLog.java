package dev.shoal.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The collections in a JVM's {@code -Xlog:gc} file: for each, the heap occupancy before and after
 * it and the committed heap, as in {@code GC(7) Pause Young (Normal) (G1 Evacuation Pause)
 * 52M->4M(256M) 3.1ms}.
 */
record GcLog(List<GcLog.Gc> gcs) {

  record Gc(int id, long beforeMb, long afterMb, long committedMb) {}

  private static final Pattern LINE = Pattern.compile("GC\\((\\d+)\\) .*?(\\d+)M->(\\d+)M\\((\\d+)M\\)");

  static GcLog read(Path file) throws IOException {
    List<Gc> gcs = new ArrayList<>();
    if (Files.exists(file)) {
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        Matcher m = LINE.matcher(line);
        if (m.find()) {
          gcs.add(new Gc(Integer.parseInt(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3)),
              Long.parseLong(m.group(4))));
        }
      }
    }
    return new GcLog(gcs);
  }

  int lastGc() {
    return gcs.stream().mapToInt(Gc::id).max().orElse(-1);
  }

  /** The collections numbered after {@code id}. */
  GcLog after(int id) {
    return new GcLog(gcs.stream().filter(g -> g.id() > id).toList());
  }

  int count() {
    return gcs.size();
  }

  long maxAfterMb() {
    return gcs.stream().mapToLong(Gc::afterMb).max().orElse(0);
  }

  long maxBeforeMb() {
    return gcs.stream().mapToLong(Gc::beforeMb).max().orElse(0);
  }

  long maxCommittedMb() {
    return gcs.stream().mapToLong(Gc::committedMb).max().orElse(0);
  }
}
