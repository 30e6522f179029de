package dev.shoal.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.api.ItemError;

/** One item's outcome: its index in the input and either a value or an error. */
public record ItemResult(long index, JsonNode value, ItemError error) {

  public boolean ok() {
    return error == null;
  }
}
