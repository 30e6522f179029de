package dev.shoal.client;

/**
 * The Java API's entry point.
 *
 * <pre>{@code
 * try (Pool pool = Shoal.local(4)) {                    // or Shoal.connect("http://coordinator:8080")
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
   * {@code http://coordinator:8080}. Nothing is sent until the first call.
   */
  public static RemotePool connect(String url) {
    return RemotePool.connect(url);
  }
}
