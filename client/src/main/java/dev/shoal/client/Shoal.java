package dev.shoal.client;

/**
 * The Java API's entry point.
 *
 * <pre>{@code
 * try (Pool pool = Shoal.connect("http://coordinator:8080", token)) {   // or Shoal.local(4)
 *   List<JsonNode> hashes = pool.map("sha256", List.of(1, 2, 3));
 * }
 * }</pre>
 *
 * <p>{@code connect} needs this module alone (no Pekko). {@code local} runs the coordinator and
 * workers in this JVM, so it needs {@code dev.shoal:shoal-local} on the class path too, which brings
 * Pekko; found there as a {@link LocalMode} service.
 */
public final class Shoal {

  private Shoal() {}

  /**
   * A pool of {@code workers} worker actors on threads of this JVM ({@code dev.shoal.local.LocalPool}
   * takes more options). Throws {@link IllegalStateException} when {@code shoal-local} is not on the
   * class path.
   */
  public static Pool local(int workers) {
    LocalMode mode = java.util.ServiceLoader.load(LocalMode.class, Shoal.class.getClassLoader()).findFirst()
        .orElseThrow(() -> new IllegalStateException("Shoal.local runs the engine in this JVM and needs the"
            + " dev.shoal:shoal-local artifact on the class path; Shoal.connect needs only shoal-client"));
    return mode.start(workers);
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
