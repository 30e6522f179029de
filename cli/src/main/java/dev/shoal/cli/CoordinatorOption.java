package dev.shoal.cli;

import dev.shoal.client.RemotePool;
import dev.shoal.client.Shoal;
import picocli.CommandLine.Option;

/** {@code --coordinator URL}, shared by the commands that talk to a cluster's HTTP API. */
public final class CoordinatorOption {

  @Option(names = "--coordinator", paramLabel = "URL", defaultValue = "${env:SHOAL_COORDINATOR:-http://127.0.0.1:8080}",
      description = "the coordinator's HTTP API (default: $SHOAL_COORDINATOR, else http://127.0.0.1:8080)")
  String url;

  RemotePool connect() {
    try {
      return Shoal.connect(url);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
  }
}
