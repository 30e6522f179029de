package dev.shoal.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A cluster on loopback for the harness: one coordinator and worker JVMs started from the packaged
 * jar ({@code java -jar cli/target/shoal.jar coordinator|worker}) on free ports, configured through
 * the launcher's {@code SHOAL_*} environment variables. Each node's output goes to a log file; the
 * coordinator's lines are also watched, so that the moment a line first appears (such as {@code
 * worker lost}) can be timed. {@link #close()} stops every node it started, and only those.
 *
 * <p>The nodes run mutual TLS between them, as every Shoal cluster does by default, unless the
 * cluster is made {@link #plainText}: then every node gets {@code SHOAL_NO_TLS=true}.
 */
final class ClusterNodes implements AutoCloseable {

  /** A node JVM the harness started. */
  record Node(String name, Process process, Path log) {
    long pid() {
      return process.pid();
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path jar;
  private final Path logs;
  private final int remotingPort = freePort();
  private final int httpPort = freePort();
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final List<Node> nodes = new ArrayList<>();
  private final Map<String, Long> firstSeen = new ConcurrentHashMap<>();
  private final List<String> watched;
  private final boolean tls;
  private final Map<String, String> coordinatorEnv = new java.util.HashMap<>();
  private List<String> coordinatorJvm = List.of();
  private int restarts;
  private Node coordinator;

  /**
   * @param logs where each node's log goes (kept after the run, for a failure's post-mortem)
   * @param watched coordinator log fragments whose first appearance is timed ({@link #firstSeenNanos})
   */
  ClusterNodes(Path jar, Path logs, List<String> watched) {
    this(jar, logs, watched, true);
  }

  private ClusterNodes(Path jar, Path logs, List<String> watched, boolean tls) {
    this.jar = jar;
    this.logs = logs;
    this.watched = List.copyOf(watched);
    this.tls = tls;
  }

  /** A cluster whose nodes talk plain text ({@code SHOAL_NO_TLS=true} on every node). */
  static ClusterNodes plainText(Path jar, Path logs, List<String> watched) {
    return new ClusterNodes(jar, logs, watched, false);
  }

  boolean tls() {
    return tls;
  }

  /** Gives the coordinator (and a restarted one) these {@code SHOAL_*} variables too: {@code SHOAL_NO_JOURNAL}, say. */
  ClusterNodes withCoordinatorEnv(Map<String, String> env) {
    coordinatorEnv.putAll(env);
    return this;
  }

  String url() {
    return "http://127.0.0.1:" + httpPort;
  }

  /** The API token the coordinator generated in the nodes' data folder, or null before it has. */
  String token() {
    Path file = logs.resolve("data").resolve("api-token");
    try {
      return Files.exists(file) ? Files.readString(file).strip() : null;
    } catch (IOException e) {
      return null;
    }
  }

  Node coordinator() {
    return coordinator;
  }

  List<Node> workers() {
    return nodes.stream().filter(n -> n != coordinator).toList();
  }

  /** Starts the coordinator; {@code jvmOptions} go before {@code -jar} (the GC log, for one). */
  Node startCoordinator(List<String> jvmOptions) throws IOException {
    coordinatorJvm = List.copyOf(jvmOptions);
    coordinator = start("coordinator", "coordinator", remotingPort, jvmOptions, true);
    return coordinator;
  }

  /**
   * Kills the coordinator ({@code kill -9}) and starts it again with the same ports, environment
   * and data folder, as a container's restart policy would; its log is {@code coordinator-N.log}.
   */
  Node restartCoordinator() throws IOException, InterruptedException {
    kill(coordinator);
    nodes.remove(coordinator);
    coordinator = start("coordinator-" + (++restarts), "coordinator", remotingPort, coordinatorJvm, true);
    return coordinator;
  }

  /** {@code POST /jobs} with this body; the new job's id. */
  String submit(String body) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url() + "/jobs"))
        .header("Authorization", "Bearer " + token()).header("Content-Type", "application/json")
        .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 202) {
      throw new IllegalStateException("POST /jobs answered " + r.statusCode() + ": " + r.body());
    }
    return JSON.readTree(r.body()).get("id").asText();
  }

  /** {@code GET path} as JSON, or null while the coordinator does not answer it with a 200. */
  JsonNode getJson(String path) throws InterruptedException {
    try {
      HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url() + path))
          .header("Authorization", "Bearer " + token()).timeout(Duration.ofSeconds(5)).build(),
          HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
    } catch (IOException e) {
      return null;
    }
  }

  /** {@code GET path}'s body as lines, one at a time, to {@code line}. */
  void getLines(String path, java.util.function.Consumer<String> line) throws IOException, InterruptedException {
    HttpResponse<java.util.stream.Stream<String>> r = http.send(HttpRequest.newBuilder(URI.create(url() + path))
        .header("Authorization", "Bearer " + token()).timeout(Duration.ofMinutes(5)).build(),
        HttpResponse.BodyHandlers.ofLines());
    if (r.statusCode() != 200) {
      throw new IllegalStateException("GET " + path + " answered " + r.statusCode());
    }
    try (java.util.stream.Stream<String> lines = r.body()) {
      lines.forEach(line);
    }
  }

  /**
   * Starts a worker. With TLS, the first one waits until the coordinator's API answers: the worker
   * reads the coordinator's TLS folder (DATA_DIR/tls), which the coordinator writes file by file at
   * its first start, and it is complete once the coordinator is up.
   */
  Node startWorker(String name) throws IOException, InterruptedException {
    return startWorker(name, Map.of());
  }

  /** As {@link #startWorker(String)}, with these {@code SHOAL_*} variables too ({@code SHOAL_SLOTS}, say). */
  Node startWorker(String name, Map<String, String> env) throws IOException, InterruptedException {
    if (tls && workers().isEmpty()) {
      awaitApi(Duration.ofSeconds(120));
    }
    return start(name, "worker", freePort(), List.of(), false, env);
  }

  /** Stops every worker as an operator would (SIGTERM: each drains and leaves), waiting for each to exit. */
  void stopWorkers() throws InterruptedException {
    List<Node> workers = workers();
    for (Node n : workers) {
      n.process().destroy();
    }
    for (Node n : workers) {
      if (!n.process().waitFor(60, TimeUnit.SECONDS)) {
        kill(n);
      }
    }
    nodes.removeAll(workers);
  }

  /** Waits until the coordinator's API answers at all (any status: a 401 will do). */
  private void awaitApi(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "no answer";
    while (System.nanoTime() < deadline) {
      if (coordinator == null || !coordinator.process().isAlive()) {
        throw new IllegalStateException("no coordinator running" + (coordinator == null ? ""
            : ": it exited with " + coordinator.process().exitValue() + "; see " + coordinator.log()));
      }
      try {
        http.send(HttpRequest.newBuilder(URI.create(url() + "/cluster")).timeout(Duration.ofSeconds(2)).build(),
            HttpResponse.BodyHandlers.discarding());
        return;
      } catch (IOException e) {
        last = e.toString();
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("the coordinator's API did not answer within " + timeout.toSeconds()
        + " s (last: " + last + "); see " + coordinator.log());
  }

  /** Waits until the coordinator's {@code GET /cluster} lists {@code workers} workers or more. */
  void awaitWorkers(int workers, Duration timeout) throws InterruptedException {
    awaitWorkers(n -> n >= workers, workers + " workers", timeout);
  }

  /** Waits until {@code GET /cluster} lists exactly {@code workers} workers: those that left are gone. */
  void awaitExactlyWorkers(int workers, Duration timeout) throws InterruptedException {
    awaitWorkers(n -> n == workers, "exactly " + workers + " workers", timeout);
  }

  private void awaitWorkers(java.util.function.IntPredicate count, String what, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String last = "no answer";
    while (System.nanoTime() < deadline) {
      for (Node n : nodes) {
        if (!n.process().isAlive()) {
          throw new IllegalStateException(n.name() + " exited with " + n.process().exitValue() + "; see " + n.log());
        }
      }
      try {
        String token = token();
        if (token == null) {
          Thread.sleep(200);
          continue;
        }
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url() + "/cluster"))
            .header("Authorization", "Bearer " + token)
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
        last = r.statusCode() + " " + (r.body().length() > 300 ? r.body().substring(0, 300) + "..." : r.body());
        if (r.statusCode() == 200 && count.test(workerCount(JSON.readTree(r.body())))) {
          return;
        }
      } catch (IOException e) {
        last = e.toString();
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("the cluster did not show " + what + " within " + timeout.toSeconds()
        + " s (last answer: " + last + "); see the logs in " + logs);
  }

  private static int workerCount(JsonNode cluster) {
    JsonNode ws = cluster.get("workers");
    return ws != null && ws.isArray() ? ws.size() : 0;
  }

  /** When the watched fragment first appeared in the coordinator's output ({@link System#nanoTime}), or null. */
  Long firstSeenNanos(String fragment) {
    return firstSeen.get(fragment);
  }

  void forget(String fragment) {
    firstSeen.remove(fragment);
  }

  /** {@code kill -9}: the JVM gets no chance to leave the cluster. */
  void kill(Node node) throws InterruptedException {
    node.process().destroyForcibly();
    node.process().waitFor(10, TimeUnit.SECONDS);
  }

  private Node start(String name, String role, int port, List<String> jvmOptions, boolean watch) throws IOException {
    return start(name, role, port, jvmOptions, watch, Map.of());
  }

  private Node start(String name, String role, int port, List<String> jvmOptions, boolean watch, Map<String, String> extraEnv)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    cmd.add("-jar");
    cmd.add(jar.toString());
    cmd.add(role);
    Path log = logs.resolve(name + ".log");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.put("SHOAL_HOST", "127.0.0.1");
    env.put("SHOAL_PORT", String.valueOf(port));
    env.put("SHOAL_SEEDS", "127.0.0.1:" + remotingPort);
    env.put("SHOAL_HTTP_PORT", String.valueOf(httpPort));
    env.put("SHOAL_MANAGEMENT_PORT", String.valueOf(freePort()));
    env.remove("SHOAL_SLOTS");
    env.remove("SHOAL_TOKEN");
    env.remove("SHOAL_TOKEN_FILE");
    env.remove("SHOAL_TLS_DIR");
    env.remove("SHOAL_NO_JOURNAL");
    env.remove("SHOAL_JOURNAL_URL");
    if (tls) {
      env.remove("SHOAL_NO_TLS");
    } else {
      env.put("SHOAL_NO_TLS", "true");
    }
    // the nodes' own data folder: the coordinator makes the API token and the cluster CA there, the
    // workers find the CA there (mutual TLS, unless this cluster is plain text)
    env.put("SHOAL_DATA_DIR", logs.resolve("data").toString());
    if (role.equals("coordinator")) {
      env.putAll(coordinatorEnv);
    }
    env.putAll(extraEnv);
    Process p = pb.start();
    Node node = new Node(name, p, log);
    nodes.add(node);
    Thread copier = new Thread(() -> copy(node, watch), "log-" + name);
    copier.setDaemon(true);
    copier.start();
    return node;
  }

  /** Copies a node's output to its log, timing the first appearance of each watched fragment. */
  private void copy(Node node, boolean watch) {
    try (BufferedReader in = new BufferedReader(new InputStreamReader(node.process().getInputStream(), StandardCharsets.UTF_8));
        PrintWriter out = new PrintWriter(Files.newBufferedWriter(node.log(), StandardCharsets.UTF_8), true)) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        long now = System.nanoTime();
        if (watch) {
          for (String w : watched) {
            if (line.contains(w)) {
              firstSeen.putIfAbsent(w, now);
            }
          }
        }
        out.println(line);
      }
    } catch (IOException e) {
      // the node was stopped and its output closed: nothing more to copy
    }
  }

  /** Stops the nodes this harness started: SIGTERM, then {@code kill -9} for any still up after 30 s. */
  @Override
  public void close() throws InterruptedException {
    for (Node n : nodes) {
      n.process().destroy();
    }
    for (Node n : nodes) {
      if (!n.process().waitFor(30, TimeUnit.SECONDS)) {
        n.process().destroyForcibly();
        n.process().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
