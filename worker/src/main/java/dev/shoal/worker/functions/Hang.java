package dev.shoal.worker.functions;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.api.FunctionKind;
import dev.shoal.api.ShoalFunction;

/**
 * Test function {@code hang}: never returns on the items in {@code args.items} (every item if
 * absent) until interrupted by a time-out or a cancel; echoes the rest.
 */
public final class Hang implements ShoalFunction {

  @Override
  public String name() {
    return "hang";
  }

  @Override
  public FunctionKind kind() {
    return FunctionKind.IO;
  }

  @Override
  public boolean testOnly() {
    return true;
  }

  @Override
  public String description() {
    return "test: blocks until interrupted on args.items (default all), echoes the others";
  }

  @Override
  public JsonNode apply(JsonNode item, JsonNode args) throws InterruptedException {
    if (Items.selected(item, args)) {
      while (true) {
        Thread.sleep(Long.MAX_VALUE);
      }
    }
    return item;
  }
}
