package dev.shoal.client;

import dev.shoal.local.LocalPool;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.pekko.http.javadsl.ServerBinding;

/**
 * A local pool of two workers (test functions on) serving the HTTP job API on a free port, with its
 * results files in a fresh folder: a whole Shoal "cluster" in the test's JVM for the client side.
 */
public final class ServedPool implements AutoCloseable {

  private final LocalPool pool;
  private final String url;
  private final Path spool;

  private ServedPool(LocalPool pool, String url, Path spool) {
    this.pool = pool;
    this.url = url;
    this.spool = spool;
  }

  public static ServedPool start() throws Exception {
    return start(ConfigFactory.empty());
  }

  /** The same with {@code config} on top of the defaults (say, other limits). */
  public static ServedPool start(Config config) throws Exception {
    Path spool = Files.createTempDirectory("shoal-client-test");
    LocalPool pool = LocalPool.start(new LocalPool.Options(2, null, true,
        ConfigFactory.parseString("shoal.coordinator.spool-dir = \"" + spool + "\"").withFallback(config)));
    ServerBinding binding = pool.serveHttp("127.0.0.1", 0, TOKEN).toCompletableFuture().get(30, TimeUnit.SECONDS);
    Files.writeString(spool.resolveSibling(spool.getFileName() + ".token"), TOKEN + "\n");
    return new ServedPool(pool, "http://127.0.0.1:" + binding.localAddress().getPort(), spool);
  }

  /** The API token the served pool accepts. */
  public static final String TOKEN = "served-pool-test-token";

  public String url() {
    return url;
  }

  /** A file holding {@link #TOKEN}, for the CLI's --token-file. */
  public String tokenFile() {
    return spool.resolveSibling(spool.getFileName() + ".token").toString();
  }

  @Override
  public void close() throws IOException {
    pool.close();
    Files.deleteIfExists(Path.of(tokenFile()));
    try (Stream<Path> files = Files.walk(spool)) {
      for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }

  /** A URL where nothing listens: a port that was free a moment ago. */
  public static String closedUrl() throws Exception {
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      return "http://127.0.0.1:" + s.getLocalPort();
    }
  }
}
