package dev.shoal.cli;

import dev.shoal.cli.tls.Pem;
import dev.shoal.client.RemotePool;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;
import picocli.CommandLine.Option;

/**
 * {@code --coordinator URL[,URL...]} and the credentials to use it, shared by the commands that talk
 * to a cluster's HTTP API. Several URLs are every coordinator node's (a standby does not forward):
 * requests go to the first until it fails, then to the next. The token is {@code --token-file},
 * else {@code $SHOAL_TOKEN}, else the one a coordinator on this machine generated in the data folder.
 */
public final class CoordinatorOption {

  @Option(names = "--coordinator", paramLabel = "URL[,URL...]", defaultValue = "${env:SHOAL_COORDINATOR:-http://127.0.0.1:8080}",
      description = "the coordinator's HTTP API, or every coordinator node's, comma-separated: a standby does not forward "
          + "(default: $SHOAL_COORDINATOR, else http://127.0.0.1:8080)")
  String url;

  @Option(names = "--token-file", paramLabel = "FILE", defaultValue = "${env:SHOAL_TOKEN_FILE}",
      description = "a file holding the API token (env SHOAL_TOKEN_FILE, or the token itself in SHOAL_TOKEN; "
          + "default: DATA_DIR/api-token when it exists)")
  Path tokenFile;

  @Option(names = "--cacert", paramLabel = "FILE", defaultValue = "${env:SHOAL_CACERT}",
      description = "PEM certificate(s) of the CA an https coordinator's certificate is signed by (env SHOAL_CACERT; "
          + "default: DATA_DIR/tls/ca.crt when it exists, else the JVM's trusted CAs)")
  Path caCert;

  @Option(names = "--data-dir", paramLabel = "DIR", defaultValue = "${env:SHOAL_DATA_DIR}",
      description = "where a coordinator on this machine keeps its generated token and certificates (env SHOAL_DATA_DIR; default ~/.shoal)")
  Path dataDir;

  /** A pool that tries each URL once per request: for the commands that answer at once. */
  RemotePool connect() {
    try {
      return RemotePool.connect(url, token(), tls()).withFollowDeadline(java.time.Duration.ZERO);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
  }

  /** A pool that follows a lost coordinator as {@code follow} says, reporting on stderr. */
  RemotePool connect(FollowOption follow) {
    return follow.follow(connect(), System.err);
  }

  private String token() {
    return DataDir.givenToken(tokenFile).orElseGet(() -> {
      Path generated = DataDir.resolve(dataDir).resolve(DataDir.TOKEN_FILE);
      return Files.isReadable(generated) ? DataDir.readToken(generated) : null;
    });
  }

  private SSLContext tls() {
    if (caCert != null && !caCert.toString().isBlank()) {
      return Pem.trusting(caCert);
    }
    Path generated = DataDir.resolve(dataDir).resolve("tls").resolve("ca.crt");
    return url.contains("https:") && Files.isReadable(generated) ? Pem.trusting(generated) : null;
  }
}
