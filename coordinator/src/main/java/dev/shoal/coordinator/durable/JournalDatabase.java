package dev.shoal.coordinator.durable;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;

/**
 * The database a durable coordinator keeps its jobs in: the Pekko Persistence journal and snapshots
 * (pekko-persistence-jdbc), the items of each job ({@link ItemStore}) and the results of its chunks
 * ({@link ResultStore}). An H2 file in the data folder by default; PostgreSQL when coordinators on
 * several machines must take over each other's jobs.
 *
 * <p>Guarantees: {@link #open} connects, creates the schema if it is missing (every statement is
 * idempotent, so it runs at each start) and fails with one {@link IllegalStateException} whose
 * message names the problem (folder not writable, server not answering, password refused, database
 * in use by another process) before an actor system is started. H2 runs with {@code WRITE_DELAY=0}:
 * with H2's defaults a {@code Runtime.halt} lost acknowledged events; with it a commit is on disk
 * when it returns.
 *
 * <p>Caveat: an H2 file belongs to one process (a second coordinator on the same folder is refused);
 * failover across machines needs PostgreSQL.
 */
public final class JournalDatabase implements AutoCloseable {

  public enum Dialect { H2, POSTGRES }

  private final String url;
  private final String user;
  private final String password;
  private final Dialect dialect;
  private final HikariDataSource pool;
  private final Path resultsFolder;

  private JournalDatabase(String url, String user, String password, Dialect dialect, HikariDataSource pool,
      Path resultsFolder) {
    this.resultsFolder = resultsFolder;
    this.url = url;
    this.user = user;
    this.password = password;
    this.dialect = dialect;
    this.pool = pool;
  }

  /**
   * The embedded journal in {@code dataDir/journal}, its jobs' results in {@code dataDir/results};
   * creates the folders.
   */
  public static JournalDatabase embedded(Path dataDir) {
    Path dir = writableFolder(dataDir.resolve("journal"), "journal");
    Path results = writableFolder(dataDir.resolve("results"), "results");
    return open(h2Url(dir), "sa", "", results);
  }

  /**
   * A scratch database in {@code dataDir/scratch}, emptied first: the items and results of the jobs
   * of a coordinator that journals nothing ({@code --no-journal}). On disk, not in memory, so that
   * a large job's results stay out of the heap; without {@code WRITE_DELAY=0}, since nothing in it
   * has to outlive the process.
   */
  public static JournalDatabase scratch(Path dataDir) {
    Path dir = writableFolder(dataDir.resolve("scratch"), "scratch");
    Path results = writableFolder(dir.resolve("results"), "scratch results");
    empty(dir, "shoal.");
    empty(results, "");
    return open("jdbc:h2:file:" + dir.resolve("shoal") + H2_SETTINGS, "sa", "", results);
  }

  private static void empty(Path dir, String prefix) {
    try (java.util.stream.Stream<Path> files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        if (f.getFileName().toString().startsWith(prefix) && Files.isRegularFile(f)) {
          Files.delete(f);
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot empty the scratch folder " + dir + ": " + e.getMessage());
    }
  }

  /** A database in this JVM's memory, gone with the last of its pools: a pool that keeps its jobs in memory. */
  public static JournalDatabase inMemory() {
    return open("jdbc:h2:mem:shoal-" + java.util.UUID.randomUUID() + ";DB_CLOSE_DELAY=-1" + LOB_TIMEOUT, "sa", "");
  }

  private static Path writableFolder(Path folder, String what) {
    Path dir = folder.toAbsolutePath();
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new IllegalStateException("cannot create the " + what + " folder " + dir + ": " + e.getMessage());
    }
    if (!Files.isWritable(dir)) {
      throw new IllegalStateException("the " + what + " folder " + dir + " is not writable");
    }
    return dir;
  }

  /**
   * H2 keeps every BLOB it hands a session referenced this long (five minutes by default), for a
   * reader that streams it later; Shoal reads each payload whole inside its result set, and a fast
   * reader of a job of many small rows otherwise held a heap's worth of them.
   */
  private static final String LOB_TIMEOUT = ";LOB_TIMEOUT=2000";
  /** DB_CLOSE_ON_EXIT=FALSE: the actor system, not a shutdown hook racing it, closes the pools. */
  private static final String H2_SETTINGS = ";DB_CLOSE_ON_EXIT=FALSE" + LOB_TIMEOUT;

  static String h2Url(Path dir) {
    // WRITE_DELAY=0: a commit reaches the disk before it returns
    return "jdbc:h2:file:" + dir.resolve("shoal") + ";WRITE_DELAY=0" + H2_SETTINGS;
  }

  /** Connects to {@code url} ({@code jdbc:postgresql:...} or {@code jdbc:h2:...}) and makes sure the schema exists. */
  public static JournalDatabase open(String url, String user, String password) {
    return open(url, user, password, null);
  }

  private static JournalDatabase open(String url, String user, String password, Path resultsFolder) {
    Dialect dialect;
    if (url.startsWith("jdbc:postgresql:")) {
      dialect = Dialect.POSTGRES;
    } else if (url.startsWith("jdbc:h2:")) {
      dialect = Dialect.H2;
    } else {
      throw new IllegalStateException("the journal URL must start with jdbc:postgresql: (or jdbc:h2:), got " + url);
    }
    // one connection first, by hand: a refused password or a server that does not answer is one
    // clear reason here, not a pool's logged stack trace
    java.util.Properties credentials = new java.util.Properties();
    if (user != null && !user.isEmpty()) {
      credentials.setProperty("user", user);
    }
    if (password != null && !password.isEmpty()) {
      credentials.setProperty("password", password);
    }
    java.sql.DriverManager.setLoginTimeout(10);
    try (Connection probe = java.sql.DriverManager.getConnection(url, credentials)) {
      probe.isValid(10);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot open the journal " + redact(url) + ": " + reason(e));
    }
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(url);
    // only what is given: a user or password in the URL itself must not be overridden by an empty one
    if (user != null && !user.isEmpty()) {
      config.setUsername(user);
    }
    if (password != null && !password.isEmpty()) {
      config.setPassword(password);
    }
    config.setMaximumPoolSize(4);
    config.setMinimumIdle(1);
    config.setPoolName("shoal-journal");
    config.setConnectionTimeout(10_000);
    // fail in open(), with the driver's reason, rather than on the first job
    config.setInitializationFailTimeout(10_000);
    HikariDataSource pool;
    try {
      pool = new HikariDataSource(config);
    } catch (RuntimeException e) {
      throw new IllegalStateException("cannot open the journal " + redact(url) + ": " + reason(e));
    }
    JournalDatabase db = new JournalDatabase(url, user, password, dialect, pool, resultsFolder);
    try {
      db.createSchema();
    } catch (SQLException | IOException e) {
      pool.close();
      throw new IllegalStateException("cannot create the journal's tables in " + redact(url) + ": " + reason(e));
    }
    return db;
  }

  private void createSchema() throws SQLException, IOException {
    String resource = dialect == Dialect.H2 ? "h2-schema.sql" : "postgres-schema.sql";
    String script;
    try (InputStream in = JournalDatabase.class.getResourceAsStream(resource)) {
      script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    try (Connection c = pool.getConnection(); Statement st = c.createStatement()) {
      for (String sql : script.split(";\\s*\n")) {
        String stripped = sql.lines().filter(l -> !l.strip().startsWith("--")).reduce("", (a, b) -> a + b + "\n").strip();
        if (!stripped.isEmpty()) {
          st.execute(stripped);
        }
      }
    }
  }

  /**
   * The settings of pekko-persistence-jdbc for this database, to be laid over the node's config:
   * journal and snapshot store share one slick pool on the same URL.
   */
  public Config persistenceConfig() {
    Map<String, Object> db = new HashMap<>();
    db.put("url", url);
    if (user != null && !user.isEmpty()) {
      db.put("user", user);
    }
    if (password != null && !password.isEmpty()) {
      db.put("password", password);
    }
    db.put("driver", dialect == Dialect.H2 ? "org.h2.Driver" : "org.postgresql.Driver");
    db.put("numThreads", 4);
    db.put("maxConnections", 4);
    db.put("minConnections", 1);
    return ConfigFactory.empty()
        .withValue("pekko-persistence-jdbc.shared-databases.slick.profile",
            ConfigValueFactory.fromAnyRef(dialect == Dialect.H2 ? "slick.jdbc.H2Profile$" : "slick.jdbc.PostgresProfile$"))
        .withValue("pekko-persistence-jdbc.shared-databases.slick.db", ConfigValueFactory.fromMap(db))
        .withValue("pekko.persistence.journal.plugin", ConfigValueFactory.fromAnyRef("jdbc-journal"))
        .withValue("pekko.persistence.snapshot-store.plugin", ConfigValueFactory.fromAnyRef("jdbc-snapshot-store"))
        .withValue("jdbc-journal.use-shared-db", ConfigValueFactory.fromAnyRef("slick"))
        .withValue("jdbc-snapshot-store.use-shared-db", ConfigValueFactory.fromAnyRef("slick"))
        .withValue("jdbc-read-journal.use-shared-db", ConfigValueFactory.fromAnyRef("slick"));
  }

  public Dialect dialect() {
    return dialect;
  }

  /**
   * Where the results of this database's jobs are kept as files ({@link ResultFiles}), empty if they
   * are rows in it ({@link ResultRows}): files beside an embedded H2 journal, whose commits each store
   * a page of the database in the committing thread ({@code WRITE_DELAY=0}) and made a job's results
   * cost several times their plain write; rows in PostgreSQL, which a standby on another machine reads.
   */
  public java.util.Optional<Path> resultsFolder() {
    return java.util.Optional.ofNullable(resultsFolder);
  }

  /** Where it is, without credentials, for the start-up line. */
  public String describe() {
    return redact(url);
  }

  Connection connection() throws SQLException {
    return pool.getConnection();
  }

  @Override
  public void close() {
    pool.close();
  }

  private static String redact(String url) {
    int semicolon = url.indexOf(';');
    String base = semicolon < 0 ? url : url.substring(0, semicolon);
    return base.replaceAll("(?i)(password=)[^&]*", "$1***").replaceAll("//[^/@]*@", "//***@");
  }

  /** The innermost message: a driver's own reason ("password authentication failed ..."), not the pool's wrapper. */
  static String reason(Throwable t) {
    Throwable r = t;
    while (r.getCause() != null && r.getCause() != r) {
      r = r.getCause();
    }
    String m = r.getMessage() == null ? r.getClass().getSimpleName() : r.getMessage();
    int newline = m.indexOf('\n');
    return newline < 0 ? m : m.substring(0, newline);
  }
}
