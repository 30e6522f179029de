package dev.shoal.worker.functions;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.api.FunctionKind;
import dev.shoal.api.ShoalFunction;

/** Test function {@code fail}: throws for the items in {@code args.items} (every item if absent), echoes the rest. */
public final class Fail implements ShoalFunction {

  /** The error {@code fail} throws, so that tests can tell it from any other. */
  public static final class RequestedFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RequestedFailure(String message) {
      super(message);
    }
  }

  @Override
  public String name() {
    return "fail";
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
    return "test: throws for args.items (default all), echoes the others";
  }

  @Override
  public JsonNode apply(JsonNode item, JsonNode args) {
    if (Items.selected(item, args)) {
      throw new RequestedFailure("fail was asked to fail item " + Items.abbreviate(item));
    }
    return item;
  }
}
