package dev.shoal.worker.functions;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.api.FunctionKind;
import dev.shoal.api.ShoalFunction;

/**
 * {@code sleep}: sleeps and returns the item. The time is {@code args.ms} when the job gives it
 * (so {@code --range 0:10 --arg ms=2000} is the classic Pool demo), else the item itself, a number
 * of milliseconds.
 */
public final class Sleep implements ShoalFunction {

  @Override
  public String name() {
    return "sleep";
  }

  @Override
  public FunctionKind kind() {
    return FunctionKind.IO;
  }

  @Override
  public String description() {
    return "sleeps args.ms (default: the item) milliseconds and returns the item";
  }

  @Override
  public JsonNode apply(JsonNode item, JsonNode args) throws InterruptedException {
    JsonNode given = args.get("ms");
    long ms = given != null ? Items.integer(name() + " args.ms", given) : Items.integer(name(), item);
    if (ms < 0) {
      throw new IllegalArgumentException("sleep needs a non-negative number of milliseconds, got " + ms);
    }
    Thread.sleep(ms);
    return item;
  }
}
