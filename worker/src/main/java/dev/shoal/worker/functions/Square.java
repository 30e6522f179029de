package dev.shoal.worker.functions;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.api.FunctionKind;
import dev.shoal.api.LongShoalFunction;

/** {@code square}: an integer's square as a 64-bit integer; overflow is the item's error. */
public final class Square implements LongShoalFunction {

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
  public long applyAsLong(long x, JsonNode args) {
    return Math.multiplyExact(x, x);
  }
}
