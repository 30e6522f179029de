package dev.shoal.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The results of one chunk, columnar so that a chunk of 10,000 integers crosses the network as one
 * {@code long[]} rather than 10,000 objects (in CBOR one byte string, see {@link LongColumn}):
 * exactly one of {@code longs} (every value an integer) or {@code json} (each value's JSON text)
 * is set; an item that failed has an entry in {@code errors} and no value ({@code 0} or {@code
 * null} at its offset).
 */
public record ChunkResults(
    @JsonSerialize(using = LongColumn.Writer.class) @JsonDeserialize(using = LongColumn.Reader.class) long[] longs,
    List<String> json,
    List<ItemError> errors) {

  public ChunkResults {
    errors = errors == null ? List.of() : errors;
  }

  @JsonIgnore
  public int size() {
    return longs != null ? longs.length : json.size();
  }

  @JsonIgnore
  public int errorCount() {
    return errors.size();
  }

  /** Results {@code from} (inclusive) to {@code to} (exclusive), offsets renumbered from 0. */
  public ChunkResults slice(int from, int to) {
    List<ItemError> errs = new ArrayList<>();
    for (ItemError e : errors) {
      if (e.offset() >= from && e.offset() < to) {
        errs.add(new ItemError(e.offset() - from, e.type(), e.message()));
      }
    }
    return longs != null
        ? new ChunkResults(Arrays.copyOfRange(longs, from, to), null, errs)
        : new ChunkResults(null, new ArrayList<>(json.subList(from, to)), errs);
  }

  /** A chunk of {@code count} items that all failed with the same error. */
  public static ChunkResults allFailed(int count, String type, String message) {
    List<ItemError> errs = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      errs.add(new ItemError(i, type, message));
    }
    return new ChunkResults(new long[count], null, errs);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ChunkResults r && Arrays.equals(longs, r.longs) && java.util.Objects.equals(json, r.json)
        && errors.equals(r.errors);
  }

  @Override
  public int hashCode() {
    return 31 * (31 * Arrays.hashCode(longs) + java.util.Objects.hashCode(json)) + errors.hashCode();
  }

  @Override
  public String toString() {
    return "ChunkResults[size=" + size() + ", errors=" + errors.size() + "]";
  }
}
