package dev.shoal.api;

import java.util.Optional;

/** The rule every entry point (HTTP, CLI, Java API) applies to an integer range of items {@code [start, end)}. */
public final class Ranges {

  private Ranges() {}

  /** Why {@code [start, end)} is not a range Shoal can run, or empty if it is one. */
  public static Optional<String> problem(long start, long end) {
    if (end < start) {
      return Optional.of("range end " + end + " is before its start " + start);
    }
    if (end - start < 0) {
      return Optional.of("range " + start + ".." + end + " holds more than " + Long.MAX_VALUE + " items");
    }
    return Optional.empty();
  }
}
