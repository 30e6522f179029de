package dev.shoal.client;

/**
 * The Java API's entry point.
 *
 * <pre>{@code
 * try (Pool pool = Shoal.local(4)) {          // or Shoal.connect("http://coordinator:8080", token)
 *   List<JsonNode> hashes = pool.map("sha256", List.of(1, 2, 3));
 * }
 * }</pre>
 */
public final class Shoal {

  private Shoal() {}

  /** A pool of {@code workers} worker actors on threads of this JVM. */
  public static LocalPool local(int workers) {
    return LocalPool.start(LocalPool.Options.of(workers));
  }

  public static LocalPool local(LocalPool.Options options) {
    return LocalPool.start(options);
  }

  /**
   * The pool of the Shoal cluster whose coordinator serves its HTTP API at {@code url}, such as
   * {@code http://coordinator:8080}, with the API {@code token} (the coordinator's {@code
   * --token-file}, or the {@code api-token} it generated in its data folder). Nothing is sent until
   * the first call. {@code url} may be the comma-separated URLs of every coordinator node (a
   * standby does not forward); requests follow a restart or failover over them for 60 s ({@link
   * RemotePool#withFollowDeadline}), and a results stream resumes where it broke off.
   */
  public static RemotePool connect(String url, String token) {
    return RemotePool.connect(url, token);
  }

  /** As {@link #connect(String, String)}, for an {@code https} coordinator whose certificates {@code tls} trusts. */
  public static RemotePool connect(String url, String token, javax.net.ssl.SSLContext tls) {
    return RemotePool.connect(url, token, tls);
  }

  /** A pool on a cluster whose API needs no token (a coordinator started with {@code --no-auth}, for development). */
  public static RemotePool connect(String url) {
    return RemotePool.connect(url);
  }
}
