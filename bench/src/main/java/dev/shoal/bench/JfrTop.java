package dev.shoal.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a JVM's CPU went, from a JFR recording's execution samples: the share of samples by thread
 * (pools named by their prefix, so {@code shoal-pekko.actor.default-dispatcher-7} counts as the
 * dispatcher), by top frame, and by the first Shoal frame on the stack (which of Shoal's methods the
 * time was spent under, library code included).
 */
final class JfrTop {

  private final long samples;
  private final Map<String, Long> threads;
  private final Map<String, Long> topFrames;
  private final Map<String, Long> shoalFrames;

  private JfrTop(long samples, Map<String, Long> threads, Map<String, Long> topFrames, Map<String, Long> shoalFrames) {
    this.samples = samples;
    this.threads = threads;
    this.topFrames = topFrames;
    this.shoalFrames = shoalFrames;
  }

  static JfrTop read(Path recording) throws IOException {
    Map<String, Long> threads = new HashMap<>();
    Map<String, Long> top = new HashMap<>();
    Map<String, Long> shoal = new HashMap<>();
    long n = 0;
    for (RecordedEvent e : RecordingFile.readAllEvents(recording)) {
      if (!e.getEventType().getName().equals("jdk.ExecutionSample")) {
        continue;
      }
      n++;
      String thread = e.getThread("sampledThread") == null ? "?" : e.getThread("sampledThread").getJavaName();
      threads.merge(pool(thread == null ? "?" : thread), 1L, Long::sum);
      RecordedStackTrace stack = e.getStackTrace();
      if (stack == null || stack.getFrames().isEmpty()) {
        continue;
      }
      List<RecordedFrame> frames = stack.getFrames();
      top.merge(name(frames.get(0)), 1L, Long::sum);
      for (RecordedFrame f : frames) {
        if (f.getMethod() != null && f.getMethod().getType().getName().startsWith("dev.shoal.")) {
          shoal.merge(name(f), 1L, Long::sum);
          break;
        }
      }
    }
    return new JfrTop(n, threads, top, shoal);
  }

  /** A thread pool's name without its member number. */
  static String pool(String thread) {
    return thread.replaceAll("[-#]?\\d+$", "");
  }

  private static String name(RecordedFrame f) {
    if (f.getMethod() == null) {
      return "?";
    }
    String type = f.getMethod().getType().getName();
    return type.substring(type.lastIndexOf('.') + 1) + "." + f.getMethod().getName();
  }

  /** The {@code k} largest shares of each kind, in one line. */
  String summary(int k) {
    return String.format(Locale.ROOT, "%,d samples; by thread: %s; by top frame: %s; by first Shoal frame: %s",
        samples, top(threads, k), top(topFrames, k), top(shoalFrames, k));
  }

  private String top(Map<String, Long> counts, int k) {
    return counts.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .limit(k)
        .map(e -> String.format(Locale.ROOT, "%s %.0f %%", e.getKey(), 100.0 * e.getValue() / Math.max(1, samples)))
        .collect(Collectors.joining(", "));
  }
}
