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
    return start(name, logDir, port, List.of(), args);
  }

  /** As {@link #start(String, Path, int, String...)}, with extra JVM options (a -D setting, a smaller -Xmx). */
  static Node start(String name, Path logDir, int port, List<String> jvmOptions, String... args) throws IOException {
    String jar = System.getProperty("shoal.jar");
    if (jar == null || !Files.exists(Path.of(jar))) {
      throw new IllegalStateException("system property shoal.jar must name the packaged jar, got " + jar);
    }
    // small heaps and C1 only: several JVMs share two cores, and these tests check behaviour, not speed
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
    // later options win, so a test's -Xmx replaces the default above
    cmd.addAll(jvmOptions);
    cmd.addAll(List.of("-jar", jar));
    cmd.addAll(List.of(args));
    Path log = logDir.resolve(name + ".log");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    return new Node(name, p, log, port);
  }

  /** Ports this JVM has handed out: the kernel may offer a closed port again, and two of one node's ports then clash. */
  private static final java.util.Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** A port free now and not handed out before by this JVM (a node's cluster and management ports once came out equal). */
  static int freePort() throws IOException {
    while (true) {
      try (ServerSocket s = new ServerSocket(0)) {
        s.setReuseAddress(true);
        if (HANDED_OUT.add(s.getLocalPort())) {
          return s.getLocalPort();
        }
      }
    }
  }

  /** {@code kill -9}: the JVM gets no chance to say goodbye. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  /** {@code kill -STOP}: the JVM is frozen, its sockets stay open, it answers nothing until {@link #resume}. */
  void freeze() throws IOException, InterruptedException {
    signal("STOP");
  }

  /** {@code kill -CONT}: a frozen JVM runs on from where it was. */
  void resume() throws IOException, InterruptedException {
    signal("CONT");
  }

  private void signal(String name) throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(process.pid())).inheritIO().start();
    if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
      throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
    }
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
      // a frozen JVM ignores nothing but SIGKILL, which is what kill() sends
      kill();
    }
  }
}
