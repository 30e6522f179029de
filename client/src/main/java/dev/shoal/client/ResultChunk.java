package dev.shoal.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.LongNode;
import dev.shoal.api.ChunkResults;
import dev.shoal.api.ItemError;
import java.util.ArrayList;
import java.util.List;

/** Consecutive results, starting at input index {@code firstIndex}: the unit the API streams. */
public record ResultChunk(long firstIndex, ChunkResults results) {

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The chunk as one {@link ItemResult} per item. */
  public List<ItemResult> items() {
    int n = results.size();
    List<ItemResult> out = new ArrayList<>(n);
    ItemError[] errors = new ItemError[n];
    for (ItemError e : results.errors()) {
      errors[e.offset()] = e;
    }
    for (int i = 0; i < n; i++) {
      out.add(errors[i] != null ? new ItemResult(firstIndex + i, null, errors[i])
          : new ItemResult(firstIndex + i, value(i), null));
    }
    return out;
  }

  private JsonNode value(int i) {
    if (results.longs() != null) {
      return LongNode.valueOf(results.longs()[i]);
    }
    try {
      return JSON.readTree(results.json().get(i));
    } catch (Exception e) {
      throw new IllegalStateException("a result is not valid JSON: " + e.getMessage(), e);
    }
  }
}
