package dev.shoal.api;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The function SPI: what a job computes. An implementation maps one JSON item plus the job's JSON
 * {@code args} to one JSON result. It is found with {@link java.util.ServiceLoader} (a line in
 * {@code META-INF/services/dev.shoal.api.ShoalFunction}) on the class path or in a jar of the
 * plugins folder, so users add functions without rebuilding Shoal.
 *
 * <p>Implementations must be thread-safe: one instance serves every item of every job on a node. An
 * exception thrown by {@link #apply} becomes that item's error (type: the exception's simple class
 * name) and the job goes on. Long-running functions should honour thread interruption, which is how
 * per-item timeouts and cancellation stop them.
 */
public interface ShoalFunction {

  /** The name jobs use, for example {@code sha256}. */
  String name();

  FunctionKind kind();

  /** Computes one item's result; {@code args} is a JSON object (empty when the job gave none). */
  JsonNode apply(JsonNode item, JsonNode args) throws Exception;

  /**
   * Computes one item's result on its {@code attempt}-th run (1 for the first, 2 for the first
   * retry, ...), which is what workers call. Only a function that behaves differently on a retry
   * overrides it; the attempt comes with the item, so it is right on whichever worker runs the retry.
   */
  default JsonNode apply(JsonNode item, JsonNode args, int attempt) throws Exception {
    return apply(item, args);
  }

  /** One line for {@code shoal functions} and {@code GET /functions}. */
  default String description() {
    return "";
  }

  /**
   * Fault-injection functions (they throw, hang or kill the JVM) exist only on nodes started with
   * {@code --enable-test-functions}.
   */
  default boolean testOnly() {
    return false;
  }
}
