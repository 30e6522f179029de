package dev.shoal.cli.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import dev.shoal.cli.CertsCommand;
import dev.shoal.cli.DataDir;
import dev.shoal.cli.ShoalCli;
import dev.shoal.cli.UsageException;
import dev.shoal.cli.tls.TlsDir;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import picocli.CommandLine.Option;

/**
 * What every node is told on its command line or through its environment: where it is (the
 * canonical host and port other nodes dial, and apart from them the address it binds, as Pekko
 * needs behind NAT and in containers), which seeds to join, and where its plugins are. Only these
 * override the configuration; everything else stays in {@code application.conf}.
 */
public final class NodeOptions {

  @Option(names = "--host", paramLabel = "HOST", defaultValue = "${env:SHOAL_HOST:-127.0.0.1}",
      description = "the address other nodes dial (env SHOAL_HOST; 'auto' or empty: this machine's address; default ${DEFAULT-VALUE})")
  String host;

  @Option(names = "--bind-host", paramLabel = "HOST", defaultValue = "${env:SHOAL_BIND_HOST}",
      description = "the address to bind, when it differs from --host, e.g. 0.0.0.0 behind NAT (env SHOAL_BIND_HOST)")
  String bindHost;

  @Option(names = "--port", paramLabel = "PORT", defaultValue = "${env:SHOAL_PORT}",
      description = "the cluster (remoting) port (env SHOAL_PORT; coordinator default 2551, worker default 0 = a free port)")
  Integer port;

  @Option(names = "--seeds", paramLabel = "HOST:PORT,...", defaultValue = "${env:SHOAL_SEEDS}",
      description = "seed nodes to join (env SHOAL_SEEDS; coordinator default: itself; worker default 127.0.0.1:2551)")
  String seeds;

  @Option(names = "--management-port", paramLabel = "PORT", defaultValue = "${env:SHOAL_MANAGEMENT_PORT}",
      description = "Pekko Management port serving /alive and /ready (env SHOAL_MANAGEMENT_PORT)")
  Integer managementPort;

  @Option(names = "--plugins", paramLabel = "DIR", defaultValue = "${env:SHOAL_PLUGINS}",
      description = "a folder of function jars (env SHOAL_PLUGINS; default ./plugins when it exists)")
  Path plugins;

  @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "${env:SHOAL_DATA_DIR}",
      description = "the node's data folder: the coordinator's generated API token and the cluster's certificates "
          + "(env SHOAL_DATA_DIR; default ~/.shoal)")
  Path dataDir;

  @Option(names = "--tls-dir", paramLabel = "DIR", defaultValue = "${env:SHOAL_TLS_DIR}",
      description = "the cluster certificates for mutual TLS between nodes, from 'shoal certs' (env SHOAL_TLS_DIR; "
          + "default DATA_DIR/tls, which a coordinator creates at its first start)")
  Path tlsDir;

  @Option(names = "--no-tls", defaultValue = "${env:SHOAL_NO_TLS:-false}",
      description = "plain-text remoting between nodes: any host that reaches the cluster port can join (development only)")
  boolean noTls;

  @Option(names = "--enable-test-functions", defaultValue = "${env:SHOAL_TEST_FUNCTIONS:-false}",
      description = "add the fault-test functions fail, flaky, halt and hang (env SHOAL_TEST_FUNCTIONS=true)")
  boolean testFunctions;

  /** The node's configuration: {@code application.conf} with host, port, role and seeds overridden. */
  Config config(String role, int defaultPort, String defaultSeeds) {
    return config(role, defaultPort, defaultSeeds, List.of());
  }

  /**
   * The same, with {@code alsoSeeds} (HOST:PORT) tried after the given or default seeds: a restarted
   * coordinator's last known members, which matter most when its seed is itself, given or not.
   */
  Config config(String role, int defaultPort, String defaultSeeds, List<String> alsoSeeds) {
    String canonical = canonicalHost();
    int p = port != null ? port : defaultPort;
    if (p < 0 || p > 65535) {
      throw new UsageException("--port must be between 0 and 65535, got " + p);
    }
    List<String> seedUris = new ArrayList<>();
    String seedList = seeds == null || seeds.isBlank() ? defaultSeeds.replace("SELF", canonical + ":" + p) : seeds;
    for (String more : alsoSeeds) {
      if (!(more.equals(canonical + ":" + p) || ("," + seedList.replace(" ", "") + ",").contains("," + more + ","))) {
        seedList = seedList + "," + more;
      }
    }
    for (String s : seedList.split(",")) {
      String seed = s.trim();
      if (seed.isEmpty()) {
        continue;
      }
      int colon = seed.lastIndexOf(':');
      if (colon <= 0 || !seed.substring(colon + 1).matches("\\d{1,5}")) {
        throw new UsageException("bad seed '" + seed + "': expected HOST:PORT");
      }
      seedUris.add("pekko://shoal@" + seed);
    }
    Map<String, Object> o = new HashMap<>();
    o.put("pekko.remote.artery.canonical.hostname", canonical);
    o.put("pekko.remote.artery.canonical.port", p);
    if (bindHost != null && !bindHost.isBlank()) {
      o.put("pekko.remote.artery.bind.hostname", bindHost);
      o.put("pekko.remote.artery.bind.port", p);
      o.put("pekko.management.http.bind-hostname", bindHost);
    }
    o.put("pekko.cluster.roles", List.of(role));
    o.put("pekko.cluster.seed-nodes", ConfigValueFactory.fromIterable(seedUris));
    if (managementPort != null) {
      o.put("pekko.management.http.port", managementPort);
      o.put("pekko.management.http.hostname", canonical);
    }
    tls = noTls ? null : tlsDir(role.equals("coordinator"), canonical);
    if (tls != null) {
      o.putAll(tls.arteryConfig());
    } else {
      System.err.println("shoal: WARNING: --no-tls: nodes talk in plain text and any host that reaches port " + p
          + " can join this cluster, read its items and forge results; use it only on a private development machine");
    }
    return ConfigFactory.parseMap(o).withFallback(ConfigFactory.load());
  }

  /** The TLS folder the node uses, or null with {@code --no-tls}; set by {@link #config}. */
  TlsDir tls;

  /**
   * The TLS folder given, else DATA_DIR/tls; a coordinator creates the default one (a new cluster
   * CA) at its first start, a worker needs one to exist.
   */
  private TlsDir tlsDir(boolean mayCreate, String canonical) {
    if (tlsDir != null && !tlsDir.toString().isBlank()) {
      return TlsDir.open(tlsDir);
    }
    Path dir = dataDir().resolve("tls");
    if (!Files.exists(dir.resolve("node.p12"))) {
      if (!mayCreate) {
        throw new UsageException("no cluster certificate in " + dir + ": give the coordinator's with --tls-dir DIR "
            + "(its DATA_DIR/tls, or one from 'shoal certs node'), or --no-tls for a plain-text development cluster");
      }
      List<String> hosts = new ArrayList<>(List.of(canonical));
      hosts.addAll(CertsCommand.hosts(List.of()));
      TlsDir created = TlsDir.create(dir, hosts.stream().distinct().toList());
      System.err.println("shoal: made a new cluster CA and node certificate in " + dir
          + "; workers on this machine find it there, other machines need a copy without ca.key (or 'shoal certs node')");
      return created;
    }
    return TlsDir.open(dir);
  }

  /** {@code --data-dir}, else SHOAL_DATA_DIR, else ~/.shoal. */
  Path dataDir() {
    return DataDir.resolve(dataDir);
  }

  /** --host, where "auto" or empty means this machine's address (a container's own IP). */
  String canonicalHost() {
    if (host == null || host.isBlank() || host.equals("auto")) {
      try {
        return InetAddress.getLocalHost().getHostAddress();
      } catch (UnknownHostException e) {
        throw new UsageException("cannot find this machine's address; give --host or SHOAL_HOST");
      }
    }
    return host;
  }

  boolean managementEnabled() {
    return managementPort != null;
  }

  /**
   * Waits until the node's actor system has terminated and gives the process's exit code: 255 when
   * the cluster downed this node or it could not join (what CoordinatedShutdown exits with too,
   * whichever of the two calls {@code System.exit} first), so a supervisor restarts it; 0 otherwise.
   */
  static int awaitExit(ActorSystem<?> system) {
    system.getWhenTerminated().toCompletableFuture().join();
    return wasDowned(system) ? 255 : 0;
  }

  /** Whether the node is going down because the cluster downed it or it could not join. */
  static boolean wasDowned(ActorSystem<?> system) {
    return CoordinatedShutdown.get(system).getShutdownReason()
        .map(r -> r == CoordinatedShutdown.clusterDowningReason() || r == CoordinatedShutdown.clusterJoinUnsuccessfulReason())
        .orElse(false);
  }

  /** As for {@code run}; an empty SHOAL_PLUGINS counts as not set. */
  Path pluginsDir() {
    return ShoalCli.pluginsDir(plugins == null || plugins.toString().isBlank() ? null : plugins);
  }
}
