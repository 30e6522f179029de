package dev.shoal.it;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Shoal node in a JVM process of its own, started from the packaged jar as a user would start it;
 * its output goes to a log file that a failing test prints.
 */
final class Node implements AutoCloseable {

  final String name;
  final Process process;
  final Path log;
  final int port;

  private Node(String name, Process process, Path log, int port) {
    this.name = name;
    this.process = process;
    this.log = log;
    this.port = port;
  }

  static Node start(String name, Path logDir, int port, String... args) throws IOException {
    String jar = System.getProperty("shoal.jar");
    if (jar == null || !Files.exists(Path.of(jar))) {
      throw new IllegalStateException("system property shoal.jar must name the packaged jar, got " + jar);
    }
    // small heaps and C1 only: several JVMs share two cores, and these tests check behaviour, not speed
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-jar", jar));
    cmd.addAll(List.of(args));
    Path log = logDir.resolve(name + ".log");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    return new Node(name, p, log, port);
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }

  /** {@code kill -9}: the JVM gets no chance to say goodbye. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  /** SIGTERM: the node's coordinated shutdown runs (a worker drains). */
  int terminate(long timeoutSeconds) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      return -1;
    }
    return process.exitValue();
  }

  String logText() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      kill();
    }
  }
}
