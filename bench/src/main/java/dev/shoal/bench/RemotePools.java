package dev.shoal.bench;

import dev.shoal.client.Pool;

/** The connection to a cluster's HTTP API, once {@code Shoal.connect} exists. */
final class RemotePools {

  private RemotePools() {}

  static Pool connect(String url) {
    throw new UnsupportedOperationException("Shoal.connect is not on this branch yet");
  }
}
