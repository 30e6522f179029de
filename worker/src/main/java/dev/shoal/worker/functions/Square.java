package dev.shoal.worker.functions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.LongNode;
import dev.shoal.protocol.FunctionKind;
import dev.shoal.protocol.ShoalFunction;

/** {@code square}: an integer's square as a 64-bit integer; overflow is the item's error. */
public final class Square implements ShoalFunction {

  @Override
  public String name() {
    return "square";
  }

  @Override
  public FunctionKind kind() {
    return FunctionKind.CPU;
  }

  @Override
  public String description() {
    return "item: integer; returns its square (64-bit, overflow is an error)";
  }

  @Override
  public JsonNode apply(JsonNode item, JsonNode args) {
    long x = Items.integer(name(), item);
    return LongNode.valueOf(Math.multiplyExact(x, x));
  }
}
