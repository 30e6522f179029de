package dev.shoal.protocol;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.List;

/**
 * The items of one chunk, in index order. Integer ranges travel as two numbers ({@code json} null:
 * the items are {@code rangeStart .. rangeStart+count-1}), so a range job never materialises its
 * items; other items travel as their JSON text, parsed only on the worker.
 */
public record ItemBatch(long rangeStart, int count, List<String> json) implements CborSerializable {

  public static ItemBatch range(long start, int count) {
    return new ItemBatch(start, count, null);
  }

  public static ItemBatch json(List<String> items) {
    return new ItemBatch(0, items.size(), List.copyOf(items));
  }

  /**
   * The items this batch holds: {@code count} for a range (two numbers are all there is), the
   * texts actually present for JSON items, whatever {@code count} claims. Size arrays from this.
   */
  @JsonIgnore
  public int size() {
    return json == null ? count : json.size();
  }

  @JsonIgnore
  public boolean isRange() {
    return json == null;
  }

  /** Items {@code from} (inclusive) to {@code to} (exclusive) of this batch. */
  public ItemBatch slice(int from, int to) {
    return isRange() ? range(rangeStart + from, to - from) : new ItemBatch(0, to - from, json.subList(from, to));
  }
}
