package dev.shoal.client;

/**
 * How {@link Shoal#local(int)} finds local mode without this module depending on it: {@code
 * shoal-local} lists its implementation in {@code META-INF/services/dev.shoal.client.LocalMode}, as
 * a JDBC driver lists itself. Not for users to implement.
 */
public interface LocalMode {

  /** A pool of {@code workers} worker actors on threads of this JVM. */
  Pool start(int workers);
}
