package dev.shoal.cli.node;

import com.typesafe.config.Config;
import dev.shoal.coordinator.Coordinator;
import dev.shoal.coordinator.durable.Durability;
import dev.shoal.coordinator.durable.JournalDatabase;
import dev.shoal.coordinator.CoordinatorSettings;
import dev.shoal.protocol.CoordinatorProtocol;
import dev.shoal.protocol.FunctionRegistry;
import dev.shoal.cli.DataDir;
import dev.shoal.cli.UsageException;
import dev.shoal.cli.tls.Pem;
import dev.shoal.coordinator.http.ApiAccess;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import javax.net.ssl.SSLContext;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.ClusterSingletonSettings;
import org.apache.pekko.cluster.typed.SingletonActor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code shoal coordinator}: a coordinator node. The coordinator runs as a Cluster Singleton on the
 * oldest node with the {@code coordinator} role; a second coordinator node is a standby that takes
 * over when the first leaves or is downed. The HTTP API is served by the node that runs the
 * singleton. Every job accepted over HTTP is journaled ({@link Durability}): in an H2 file under
 * {@code DATA_DIR/journal} by default, so a coordinator restarted on the same folder goes on with
 * its jobs, or in PostgreSQL ({@code --journal-url}), so a standby on another machine does.
 */
@Command(name = "coordinator", mixinStandardHelpOptions = true,
    description = "Start a coordinator node: the job queue, dispatch to workers and the HTTP API.")
public final class CoordinatorNode implements Callable<Integer> {

  static final String SINGLETON_NAME = "coordinator";

  @Mixin
  NodeOptions node;

  @Option(names = "--http-port", paramLabel = "PORT", defaultValue = "${env:SHOAL_HTTP_PORT:-8080}",
      description = "the HTTP API's port (env SHOAL_HTTP_PORT; default ${DEFAULT-VALUE})")
  int httpPort;

  @Option(names = "--http-host", paramLabel = "HOST", defaultValue = "${env:SHOAL_HTTP_HOST:-127.0.0.1}",
      description = "the address the HTTP API binds (env SHOAL_HTTP_HOST; default ${DEFAULT-VALUE}; 0.0.0.0 for all)")
  String httpHost;

  @Option(names = "--token-file", paramLabel = "FILE", defaultValue = "${env:SHOAL_TOKEN_FILE}",
      description = "the API token clients must send (env SHOAL_TOKEN_FILE, or the token itself in SHOAL_TOKEN; "
          + "default: DATA_DIR/api-token, generated at the first start)")
  Path tokenFile;

  @Option(names = "--read-token-file", paramLabel = "FILE", defaultValue = "${env:SHOAL_READ_TOKEN_FILE}",
      description = "a second token that may only read (GET): for dashboards and monitoring (env SHOAL_READ_TOKEN_FILE)")
  Path readTokenFile;

  @Option(names = "--no-auth", defaultValue = "${env:SHOAL_NO_AUTH:-false}",
      description = "serve the API without tokens; only with a loopback --http-host, for development")
  boolean noAuth;

  @Option(names = "--https", defaultValue = "${env:SHOAL_HTTPS:-false}",
      description = "serve the API over HTTPS with the node certificate of the TLS folder (env SHOAL_HTTPS=true)")
  boolean https;

  @Option(names = "--tls-cert", paramLabel = "PEM", defaultValue = "${env:SHOAL_TLS_CERT}",
      description = "serve the API over HTTPS with this certificate chain (with --tls-key)")
  Path tlsCert;

  @Option(names = "--tls-key", paramLabel = "PEM", defaultValue = "${env:SHOAL_TLS_KEY}",
      description = "the private key of --tls-cert")
  Path tlsKey;

  @Option(names = "--journal-url", paramLabel = "JDBC_URL", defaultValue = "${env:SHOAL_JOURNAL_URL}",
      description = "keep the jobs in this PostgreSQL database (jdbc:postgresql://HOST:PORT/DB), shared by the "
          + "coordinators that take over from each other (env SHOAL_JOURNAL_URL; default: an H2 file in DATA_DIR/journal)")
  String journalUrl;

  @Option(names = "--journal-user", paramLabel = "USER", defaultValue = "${env:SHOAL_JOURNAL_USER:-shoal}",
      description = "the journal database's user (env SHOAL_JOURNAL_USER; default ${DEFAULT-VALUE})")
  String journalUser;

  @Option(names = "--no-journal", defaultValue = "${env:SHOAL_NO_JOURNAL:-false}", fallbackValue = "true",
      description = "journal nothing: jobs live only as long as this coordinator (a restart or a standby's takeover "
          + "loses them; their items and results wait in DATA_DIR/scratch, emptied at start). For throwaway clusters, "
          + "and to measure what the journal costs (env SHOAL_NO_JOURNAL)")
  boolean noJournal;

  /** From the environment only: a password on the command line shows in `ps`. */
  private static String journalPassword() {
    String p = System.getenv("SHOAL_JOURNAL_PASSWORD");
    return p == null ? "" : p;
  }

  /** The journal: opened, and its tables made, before anything else starts, so a bad one is one line and exit 1. */
  private Durability journal() {
    boolean url = journalUrl != null && !journalUrl.isBlank();
    if (noJournal) {
      if (url) {
        throw new UsageException("--no-journal and --journal-url contradict each other: give one");
      }
      JournalDatabase scratch = JournalDatabase.scratch(node.dataDir());
      System.err.println("shoal: WARNING: --no-journal: jobs are not journaled; a restart of this coordinator loses "
          + "them (items and results wait in " + scratch.describe() + ")");
      return new Durability(scratch);
    }
    JournalDatabase db = url
        ? JournalDatabase.open(journalUrl.strip(), journalUser, journalPassword())
        : JournalDatabase.embedded(node.dataDir());
    System.err.println("shoal: jobs are journaled in " + db.describe());
    return new Durability(db);
  }

  @Override
  public Integer call() throws Exception {
    if (node.managementPort == null) {
      node.managementPort = 7626;
    }
    ApiAccess access = access();
    if ((tlsCert == null) != (tlsKey == null)) {
      throw new UsageException("--tls-cert and --tls-key go together");
    }
    Durability durability = journal();
    // after its seeds (itself by default, or as compose gives them), the members it last knew: restarted
    // after a crash, it rejoins its workers' cluster
    List<String> known = KnownMembers.read(node.dataDir());
    Config config = durability.persistenceConfig().withFallback(node.config("coordinator", 2551, "SELF", known));
    Optional<SSLContext> tls = tlsCert != null ? Optional.of(Pem.server(tlsCert, tlsKey))
        : https ? Optional.of(httpsFromTlsDir()) : Optional.empty();
    if (tls.isEmpty() && !access.isOpen() && !isLoopback(httpHost)) {
      System.err.println("shoal: WARNING: the API on " + httpHost + " is plain HTTP: its token crosses the network "
          + "in clear; add --https (or --tls-cert/--tls-key)");
    }
    FunctionRegistry registry = FunctionRegistry.load(node.pluginsDir(), node.testFunctions);
    registry.warnings().forEach(w -> System.err.println("shoal: warning: " + w));
    CoordinatorSettings settings = CoordinatorSettings.fromConfig(config);
    Behavior<CoordinatorProtocol.Command> coordinator = Behaviors.setup(context -> {
      context.spawn(HttpEdge.create(context.getSelf(), httpHost, httpPort, access, tls, settings.metrics(), durability),
          "http");
      // without a journal, the HTTP API still keeps items and results in the scratch database
      return noJournal ? Coordinator.create(registry, settings) : Coordinator.create(registry, settings, durability);
    });
    ActorSystem<Void> system = ActorSystem.create(Behaviors.setup(context -> {
      context.spawn(KnownMembers.create(node.dataDir()), "known-members");
      ClusterSingleton.get(context.getSystem()).init(SingletonActor.of(coordinator, SINGLETON_NAME)
          .withSettings(ClusterSingletonSettings.create(context.getSystem()).withRole("coordinator")));
      return Behaviors.empty();
    }), "shoal", config);
    Management.start(system);
    system.log().info("coordinator node up at {}, seeds {}", system.address(), config.getStringList("pekko.cluster.seed-nodes"));
    system.getWhenTerminated().thenRun(durability::close);
    return NodeOptions.awaitExit(system);
  }

  /** The API's tokens: given, or generated once into the data folder; none only with --no-auth on loopback. */
  private ApiAccess access() {
    String readOnly = readTokenFile == null || readTokenFile.toString().isBlank() ? null : DataDir.readToken(readTokenFile);
    if (noAuth) {
      if (!isLoopback(httpHost)) {
        throw new UsageException("--no-auth serves the API to anyone; it is allowed only with a loopback --http-host, not "
            + httpHost);
      }
      System.err.println("shoal: WARNING: --no-auth: anyone on this machine can submit and cancel jobs; for development only");
      return ApiAccess.open();
    }
    Optional<String> given = DataDir.givenToken(tokenFile);
    if (given.isPresent()) {
      return ApiAccess.tokens(given.get(), readOnly);
    }
    Path generated = node.dataDir().resolve(DataDir.TOKEN_FILE);
    boolean existed = Files.exists(generated);
    String token = DataDir.tokenOrCreate(generated);
    System.err.println("shoal: the API token is in " + generated + (existed ? "" : " (new)")
        + "; clients on this machine find it there, others take --token-file or SHOAL_TOKEN");
    return ApiAccess.tokens(token, readOnly);
  }

  private SSLContext httpsFromTlsDir() {
    if (node.tls == null) {
      throw new UsageException("--https uses the node certificate of the TLS folder: not with --no-tls (give --tls-cert and --tls-key)");
    }
    return node.tls.httpsServer();
  }

  private static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
