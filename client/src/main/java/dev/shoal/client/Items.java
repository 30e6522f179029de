package dev.shoal.client;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shoal.api.Ranges;
import java.io.BufferedReader;

/**
 * A job's input as the Java API takes it: an integer range, JSON Lines from a reader, or any Java
 * objects (turned into JSON with Jackson, one at a time as the job reads them).
 */
public sealed interface Items permits Items.Range, Items.Lines, Items.Objects {

  static Items range(long start, long end) {
    Ranges.problem(start, end).ifPresent(problem -> {
      throw new IllegalArgumentException(problem);
    });
    return new Range(start, end);
  }

  static Items lines(BufferedReader reader) {
    return new Lines(reader);
  }

  static Items of(Iterable<?> items) {
    return new Objects(items);
  }

  /** The items of a stream of any length, read once, lazily, as the job takes them. */
  static Items of(java.util.stream.Stream<?> items) {
    @SuppressWarnings("unchecked")
    java.util.Iterator<Object> it = (java.util.Iterator<Object>) items.iterator();
    Iterable<Object> once = () -> it;
    return new Objects(once);
  }

  record Range(long start, long end) implements Items {}

  record Lines(BufferedReader reader) implements Items {}

  /** Java objects, each written as JSON with Jackson when the job reads it. */
  record Objects(Iterable<?> items) implements Items {
    static final ObjectMapper JSON = new ObjectMapper();

    /** {@code o} as one line of JSON; an object Jackson cannot write is an {@link IllegalArgumentException}. */
    public static String toJson(Object o) {
      try {
        return JSON.writeValueAsString(o);
      } catch (JsonProcessingException e) {
        throw new IllegalArgumentException("item cannot be written as JSON: " + e.getOriginalMessage(), e);
      }
    }
  }
}
