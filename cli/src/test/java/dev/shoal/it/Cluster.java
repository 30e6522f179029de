package dev.shoal.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shoal.cli.tls.Pem;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * A real cluster on loopback for one test class: a coordinator JVM and worker JVMs started from the
 * packaged jar on free ports, driven through the HTTP API like any user would.
 */
final class Cluster implements AutoCloseable {

  static final ObjectMapper JSON = new ObjectMapper();

  final Path logs;
  /** Every node's data folder: the coordinator makes the API token and the cluster CA there, the others read them. */
  final Path dataDir;
  final int clusterPort;
  final int httpPort;
  /** The coordinator process; another one after {@link #restartCoordinator}. */
  Node coordinator;
  private final List<String> coordinatorJvm;
  private final List<String> extraCoordinatorArgs;
  private final String[] coordinatorArgs;
  final List<Node> workers = new ArrayList<>();
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final List<Node> extra = new ArrayList<>();
  private final boolean testFunctions;
  private final boolean https;
  private HttpClient httpsClient;
  private final Path plugins;
  private final List<String> everyJvm;
  private int started;

  Cluster(String name, boolean testFunctions) throws Exception {
    this(name, testFunctions, false, null, List.of(), List.of());
  }

  /** With {@code https}, the coordinator serves its API over HTTPS with its node certificate, and requests trust its CA. */
  Cluster(String name, boolean testFunctions, boolean https) throws Exception {
    this(name, testFunctions, https, null, List.of(), List.of());
  }

  /**
   * A cluster whose nodes load the function jars in {@code plugins} (null: none); {@code
   * coordinatorJvm} are extra JVM options of the coordinator, {@code everyJvm} of every node.
   */
  Cluster(String name, boolean testFunctions, Path plugins, List<String> coordinatorJvm, List<String> everyJvm)
      throws Exception {
    this(name, testFunctions, false, plugins, coordinatorJvm, everyJvm);
  }

  /** A cluster whose coordinator (and standbys) take {@code coordinatorArgs} too: a journal URL, say. */
  Cluster(String name, List<String> coordinatorArgs) throws Exception {
    this(name, false, false, null, List.of(), List.of(), coordinatorArgs);
  }

  private Cluster(String name, boolean testFunctions, boolean https, Path plugins, List<String> coordinatorJvm,
      List<String> everyJvm) throws Exception {
    this(name, testFunctions, https, plugins, coordinatorJvm, everyJvm, List.of());
  }

  private Cluster(String name, boolean testFunctions, boolean https, Path plugins, List<String> coordinatorJvm,
      List<String> everyJvm, List<String> coordinatorArgs) throws Exception {
    this.extraCoordinatorArgs = coordinatorArgs;
    this.plugins = plugins;
    this.everyJvm = everyJvm;
    logs = Files.createDirectories(Path.of("target", "it-logs", name + "-" + System.currentTimeMillis()));
    clusterPort = Node.freePort();
    httpPort = Node.freePort();
    dataDir = logs.resolve("data");
    List<String> args = new ArrayList<>(List.of("coordinator", "--host", "127.0.0.1", "--port", String.valueOf(clusterPort),
        "--http-port", String.valueOf(httpPort), "--management-port", String.valueOf(Node.freePort()),
        "--data-dir", dataDir.toString()));
    if (testFunctions) {
      args.add("--enable-test-functions");
    }
    if (https) {
      args.add("--https");
    }
    this.https = https;
    if (plugins != null) {
      args.addAll(List.of("--plugins", plugins.toString()));
    }
    this.testFunctions = testFunctions;
    args.addAll(coordinatorArgs);
    List<String> jvm = new ArrayList<>(everyJvm);
    jvm.addAll(coordinatorJvm);
    this.coordinatorJvm = jvm;
    this.coordinatorArgs = args.toArray(String[]::new);
    coordinator = Node.start("coordinator", logs, clusterPort, jvm, this.coordinatorArgs);
    awaitJson("/cluster", j -> true, Duration.ofSeconds(60), "the coordinator's HTTP API");
  }

  /**
   * Kills the coordinator ({@code kill -9}) and starts it again with the same command (same ports,
   * same data folder), as an operator or a container restart policy would; returns once its HTTP
   * API answers.
   */
  Node restartCoordinator() throws Exception {
    awaitKnownWorkers();
    coordinator.kill();
    extra.add(coordinator);
    coordinator = Node.start("coordinator-" + (++restarts), logs, clusterPort, coordinatorJvm, coordinatorArgs);
    awaitJson("/cluster", j -> true, Duration.ofSeconds(90), "the restarted coordinator's HTTP API");
    return coordinator;
  }

  private int restarts;

  /**
   * Waits until the coordinator's list of members (which a restarted coordinator joins) names every
   * live worker: the guarantee covers the workers it has written down, which it does as they ask to
   * join, so this is a moment, yet a kill in that moment would test a different story.
   */
  private void awaitKnownWorkers() throws Exception {
    Path file = dataDir.resolve("cluster-members");
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (true) {
      List<String> known = Files.exists(file) ? Files.readAllLines(file) : List.of();
      List<String> missing = workers.stream().filter(w -> w.process.isAlive())
          .map(w -> "127.0.0.1:" + w.port).filter(w -> !known.contains(w)).toList();
      if (missing.isEmpty()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the coordinator never wrote down workers " + missing + " (it knows " + known + ")");
      }
      Thread.sleep(100);
    }
  }


  /** Starts a worker JVM with {@code slots} slots and more flags; returns at once (see {@link #awaitWorkers}). */
  Node startWorker(int slots, String... extraArgs) throws IOException {
    return startWorker(slots, List.of(), extraArgs);
  }

  /** As {@link #startWorker(int, String...)}, with extra JVM options for this worker. */
  Node startWorker(int slots, List<String> jvmOptions, String... extraArgs) throws IOException {
    int port = Node.freePort();
    List<String> args = new ArrayList<>(List.of("worker", "--host", "127.0.0.1", "--port", String.valueOf(port),
        "--seeds", "127.0.0.1:" + clusterPort, "--slots", String.valueOf(slots), "--data-dir", dataDir.toString()));
    if (testFunctions) {
      args.add("--enable-test-functions");
    }
    args.addAll(List.of(extraArgs));
    if (plugins != null) {
      args.addAll(List.of("--plugins", plugins.toString()));
    }
    List<String> jvm = new ArrayList<>(everyJvm);
    jvm.addAll(jvmOptions);
    Node w = Node.start("worker-" + (++started), logs, port, jvm, args.toArray(String[]::new));
    workers.add(w);
    return w;
  }

  /**
   * Starts a second coordinator node, a standby, joining the first; it serves HTTP on
   * {@code standbyHttpPort} once it holds the coordinator singleton.
   */
  Node startStandby(int standbyHttpPort) throws IOException {
    int port = Node.freePort();
    // a data folder of its own (an H2 journal is one process's), the cluster's certificates and token
    List<String> args = new ArrayList<>(List.of("coordinator", "--host", "127.0.0.1", "--port", String.valueOf(port),
        "--seeds", "127.0.0.1:" + clusterPort, "--http-port", String.valueOf(standbyHttpPort),
        "--management-port", String.valueOf(Node.freePort()), "--data-dir", logs.resolve("standby-data").toString(),
        "--tls-dir", dataDir.resolve("tls").toString(), "--token-file", dataDir.resolve("api-token").toString()));
    args.addAll(extraCoordinatorArgs);
    Node standby = Node.start("standby", logs, port, args.toArray(String[]::new));
    extra.add(standby);
    return standby;
  }


  /** Waits until the coordinator dispatches to exactly {@code n} workers. */
  JsonNode awaitWorkers(int n) throws Exception {
    return awaitJson("/cluster", c -> c.path("workers").size() == n, Duration.ofSeconds(60), n + " workers");
  }

  String url(String path) {
    return (https ? "https" : "http") + "://127.0.0.1:" + httpPort + path;
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return send(httpPort, "GET", path, null);
  }

  HttpResponse<String> delete(String path) throws IOException, InterruptedException {
    return send(httpPort, "DELETE", path, null);
  }

  HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
    return send(httpPort, "POST", path, body);
  }

  /** A request with the cluster's API token to the HTTP API on {@code port} (the coordinator's, or a standby's). */
  HttpResponse<String> send(int port, String method, String path, String body) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create((https ? "https" : "http") + "://127.0.0.1:" + port + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .header("Content-Type", "application/json")
        .timeout(Duration.ofSeconds(30));
    String token = token();
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return client().send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Plain HTTP, or HTTPS trusting the cluster CA the coordinator made (once it has made it). */
  private HttpClient client() {
    if (!https) {
      return http;
    }
    if (httpsClient == null) {
      Path ca = dataDir.resolve("tls").resolve("ca.crt");
      if (!Files.exists(ca)) {
        return http;
      }
      httpsClient = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).sslContext(Pem.trusting(ca)).build();
    }
    return httpsClient;
  }

  /** The API token the coordinator generated in the data folder at its start, once it is there. */
  String token() throws IOException {
    Path file = dataDir.resolve("api-token");
    return Files.exists(file) ? Files.readString(file).strip() : null;
  }

  /** Submits a job and returns its id. */
  String submit(String body) throws Exception {
    HttpResponse<String> r = post("/jobs", body);
    if (r.statusCode() != 202) {
      throw new AssertionError("POST /jobs answered " + r.statusCode() + ": " + r.body());
    }
    return JSON.readTree(r.body()).get("id").asText();
  }

  JsonNode status(String id) throws Exception {
    return JSON.readTree(get("/jobs/" + id).body());
  }

  /** The job's results (the stream ends when the job ends), parsed line by line. */
  List<JsonNode> results(String id) throws Exception {
    HttpResponse<String> r = get("/jobs/" + id + "/results");
    if (r.statusCode() != 200) {
      throw new AssertionError("GET results answered " + r.statusCode() + ": " + r.body());
    }
    List<JsonNode> out = new ArrayList<>();
    for (String line : r.body().split("\n")) {
      if (!line.isBlank()) {
        out.add(JSON.readTree(line));
      }
    }
    return out;
  }

  JsonNode awaitJson(String path, Predicate<JsonNode> ok, Duration limit, String what) throws Exception {
    return awaitJson(coordinator, httpPort, path, ok, limit, what);
  }

  /** As {@link #awaitJson(String, Predicate, Duration, String)}, against the HTTP API of {@code node}. */
  JsonNode awaitJson(Node node, int port, String path, Predicate<JsonNode> ok, Duration limit, String what) throws Exception {
    long deadline = System.nanoTime() + limit.toNanos();
    String last = "(no answer)";
    while (System.nanoTime() < deadline) {
      try {
        HttpResponse<String> r = send(port, "GET", path, null);
        last = r.statusCode() + " " + r.body();
        if (r.statusCode() == 200) {
          JsonNode j = JSON.readTree(r.body());
          if (ok.test(j)) {
            return j;
          }
        }
      } catch (IOException e) {
        last = e.toString();
      }
      if (!node.process.isAlive()) {
        throw new AssertionError(node.name + " died while waiting for " + what + ":\n" + node.logText());
      }
      Thread.sleep(50);
    }
    throw new AssertionError("timed out waiting for " + what + "; last answer: " + last + "\n" + logs());
  }

  /** The worker's entry in {@code /cluster}, or a missing node if the coordinator does not list it. */
  static JsonNode workerEntry(JsonNode cluster, Node worker) {
    for (JsonNode w : cluster.path("workers")) {
      if (w.path("node").asText().endsWith(":" + worker.port)) {
        return w;
      }
    }
    return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
  }

  /** Waits until {@code what} holds, polling every 50 ms; fails with every node's log after {@code limit}. */
  void await(java.util.function.BooleanSupplier what, Duration limit, String description) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (!what.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + description + "\n" + logs());
      }
      Thread.sleep(50);
    }
  }

  /** Every node's log, for a failure message. */
  String logs() {
    StringBuilder b = new StringBuilder("--- coordinator ---\n").append(tail(coordinator.logText()));
    List<Node> others = new ArrayList<>(workers);
    others.addAll(extra);
    for (Node w : others) {
      b.append("\n--- ").append(w.name).append(" ---\n").append(tail(w.logText()));
    }
    return b.toString();
  }

  private static String tail(String s) {
    return s.length() > 6000 ? s.substring(s.length() - 6000) : s;
  }

  @Override
  public void close() throws Exception {
    for (Node w : workers) {
      w.close();
    }
    for (Node n : extra) {
      n.close();
    }
    coordinator.close();
  }
}
