package dev.shoal.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** What the figures were measured on: cores, memory, JDK, Python and how busy the machine was. */
final class Machines {

  private Machines() {}

  static Report.Machine describe() {
    return new Report.Machine(
        Runtime.getRuntime().availableProcessors(),
        memTotal(),
        System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"),
        command("python3", "--version"),
        firstLine(Path.of("/proc/loadavg")),
        System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"));
  }

  /** The one-minute load average, or 0 when unknown. */
  static double loadAverage() {
    try {
      return Double.parseDouble(firstLine(Path.of("/proc/loadavg")).split("\\s+")[0]);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static String memTotal() {
    String line = firstLine(Path.of("/proc/meminfo"));
    String[] parts = line.split("\\s+");
    if (parts.length >= 2 && parts[0].equals("MemTotal:")) {
      return String.format(java.util.Locale.ROOT, "%.1f GiB", Long.parseLong(parts[1]) / 1024.0 / 1024.0);
    }
    return "unknown";
  }

  private static String firstLine(Path p) {
    try {
      return Files.readAllLines(p, StandardCharsets.US_ASCII).get(0).trim();
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  static String command(String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      p.waitFor(10, TimeUnit.SECONDS);
      return out;
    } catch (IOException e) {
      return "no " + cmd[0];
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "unknown";
    }
  }
}
