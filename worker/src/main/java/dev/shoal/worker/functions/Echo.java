package dev.shoal.worker.functions;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.api.FunctionKind;
import dev.shoal.api.ShoalFunction;

/** {@code echo}: returns the item unchanged. */
public final class Echo implements ShoalFunction {

  @Override
  public String name() {
    return "echo";
  }

  @Override
  public FunctionKind kind() {
    return FunctionKind.CPU;
  }

  @Override
  public String description() {
    return "returns the item unchanged";
  }

  @Override
  public JsonNode apply(JsonNode item, JsonNode args) {
    return item;
  }
}
