package dev.shoal.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.LongNode;

/**
 * A function from a 64-bit integer to a 64-bit integer. Workers call {@link #applyAsLong} directly
 * on integer-range chunks, so an item costs a method call instead of two JSON nodes: this is what
 * keeps cheap arithmetic (a {@code square}) at memory speed. Items that are not integers fail with
 * a clear error, as through {@link #apply}.
 */
public interface LongShoalFunction extends ShoalFunction {

  long applyAsLong(long item, JsonNode args) throws Exception;

  @Override
  default JsonNode apply(JsonNode item, JsonNode args) throws Exception {
    if (!item.isIntegralNumber() || !item.canConvertToLong()) {
      String s = item.toString();
      throw new IllegalArgumentException(name() + " needs a 64-bit integer, got "
          + (s.length() > 60 ? s.substring(0, 57) + "..." : s));
    }
    return LongNode.valueOf(applyAsLong(item.longValue(), args));
  }
}
