package dev.shoal.worker.functions;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.api.FunctionKind;
import dev.shoal.api.ShoalFunction;

/**
 * Test function {@code flaky}: the items in {@code args.items} (every item if absent) fail with
 * {@link TransientFailure} on their first {@code args.failures} attempts (default 1) and return the
 * item after; the others echo at once.
 *
 * <p>Guarantees: the attempt comes with the chunk ({@link dev.shoal.protocol.ChunkTask#attempt()}),
 * not from a count kept here, so an item fails exactly {@code failures} times however many
 * workers, on however many JVMs, run its attempts.
 */
public final class Flaky implements ShoalFunction {

  /** The error {@code flaky} throws: a failure that a retry heals. */
  public static final class TransientFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    TransientFailure(String message) {
      super(message);
    }
  }

  @Override
  public String name() {
    return "flaky";
  }

  @Override
  public FunctionKind kind() {
    return FunctionKind.CPU;
  }

  @Override
  public boolean testOnly() {
    return true;
  }

  @Override
  public String description() {
    return "test: fails args.items (default all) on their first args.failures attempts (default 1)";
  }

  @Override
  public JsonNode apply(JsonNode item, JsonNode args) {
    return apply(item, args, 1);
  }

  @Override
  public JsonNode apply(JsonNode item, JsonNode args, int attempt) {
    int failures = args.path("failures").asInt(1);
    if (attempt <= failures && Items.selected(item, args)) {
      throw new TransientFailure("flaky failed item " + Items.abbreviate(item) + " on attempt " + attempt
          + " of the " + failures + " it fails");
    }
    return item;
  }
}
