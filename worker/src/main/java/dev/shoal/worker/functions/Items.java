package dev.shoal.worker.functions;

import com.fasterxml.jackson.databind.JsonNode;

/** Checks shared by the built-in functions: one wording for one mistake. */
final class Items {

  private Items() {}

  static long integer(String function, JsonNode item) {
    if (!item.isIntegralNumber() || !item.canConvertToLong()) {
      throw new IllegalArgumentException(function + " needs a 64-bit integer, got " + abbreviate(item));
    }
    return item.longValue();
  }

  /** True when the job's {@code args.items} lists this item, or when it lists nothing (every item). */
  static boolean selected(JsonNode item, JsonNode args) {
    JsonNode only = args.get("items");
    if (only == null || !only.isArray()) {
      return true;
    }
    for (JsonNode x : only) {
      if (x.equals(item) || (x.isNumber() && item.isNumber() && x.asLong() == item.asLong())) {
        return true;
      }
    }
    return false;
  }

  static String abbreviate(JsonNode item) {
    String s = item.toString();
    return s.length() > 60 ? s.substring(0, 57) + "..." : s;
  }
}
