package dev.shoal.worker.functions;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.api.FunctionKind;
import dev.shoal.api.ShoalFunction;

/**
 * Test function {@code halt}: kills the worker's JVM at once (as {@code kill -9} would, no shutdown
 * hooks) on the items in {@code args.items} (every item if absent); echoes the rest. The poison item
 * of the fault tests.
 */
public final class Halt implements ShoalFunction {

  @Override
  public String name() {
    return "halt";
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
    return "test: halts the worker JVM on args.items (default all), echoes the others";
  }

  @Override
  public JsonNode apply(JsonNode item, JsonNode args) {
    if (Items.selected(item, args)) {
      Runtime.getRuntime().halt(137);
    }
    return item;
  }
}
