package dev.shoal.coordinator.job;

import dev.shoal.api.Retries;
import dev.shoal.api.ChunkResults;
import dev.shoal.api.ItemError;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Which failed items of a chunk run again, and what the others' results look like: the job's retry
 * bookkeeping, apart from the actor that routes it.
 *
 * <p>Guarantees: an item is retried only while it has attempts left ({@code 1 + max} in all) and
 * only when its error type is listed in {@code on} (by simple or full class name), or {@code on} is
 * empty. Errors that are no failure of the function are never retried: {@code Cancelled} (the job
 * is going), {@code InvalidItem} and {@code UnknownFunction} (they would fail the same way again)
 * and {@code WorkerLost} (poison isolation has already run that item alone, several times). The
 * error of an item that ran more than once ends in {@code (after N attempts)}. A split covers every
 * offset of the chunk exactly once: in a finished run or among the retries.
 *
 * <p>Caveat: {@code Timeout} is the function's failure here, so it is retried when {@code on} is
 * empty or lists it.
 */
public final class RetryRules {

  /** A chunk's results cut around the items that run again. */
  public record Split(List<ReorderBuffer.Ready> finished, List<Integer> retry) {}

  private static final Set<String> NEVER = Set.of("Cancelled", "InvalidItem", "UnknownFunction", "WorkerLost");

  private final int attempts;
  private final Set<String> on = new HashSet<>();

  public RetryRules(Retries retries) {
    this.attempts = 1 + retries.max();
    for (String type : retries.on()) {
      on.add(simpleName(type));
    }
  }

  /** True when an item that failed with {@code type} on attempt {@code attempt} (from 1) runs again. */
  public boolean retries(String type, int attempt) {
    return attempt < attempts && !NEVER.contains(type) && (on.isEmpty() || on.contains(type));
  }

  /**
   * Cuts a chunk's results ({@code firstIndex} its first item's index, {@code attempt} the attempt
   * of all its items) into the runs of finished items, in order, and the offsets to run again.
   */
  public Split split(long firstIndex, ChunkResults results, int attempt) {
    List<Integer> retry = new ArrayList<>(0);
    for (ItemError e : results.errors()) {
      if (retries(e.type(), attempt)) {
        retry.add(e.offset());
      }
    }
    if (retry.isEmpty()) {
      return new Split(List.of(new ReorderBuffer.Ready(firstIndex, marked(results, attempt))), List.of());
    }
    retry.sort(null);
    List<ReorderBuffer.Ready> finished = new ArrayList<>();
    int from = 0;
    for (int offset : retry) {
      if (offset > from) {
        finished.add(new ReorderBuffer.Ready(firstIndex + from, marked(results.slice(from, offset), attempt)));
      }
      from = offset + 1;
    }
    if (from < results.size()) {
      finished.add(new ReorderBuffer.Ready(firstIndex + from, marked(results.slice(from, results.size()), attempt)));
    }
    return new Split(finished, retry);
  }

  /** The errors of items that ran {@code attempt} times say so, so a user sees the retries were tried. */
  private static ChunkResults marked(ChunkResults results, int attempt) {
    if (attempt < 2 || results.errors().isEmpty()) {
      return results;
    }
    List<ItemError> errors = new ArrayList<>(results.errors().size());
    for (ItemError e : results.errors()) {
      errors.add(new ItemError(e.offset(), e.type(), e.message() + " (after " + attempt + " attempts)"));
    }
    return new ChunkResults(results.longs(), results.json(), errors);
  }

  /** {@code java.io.IOException} and {@code Outer$Inner} match as the worker names them: by simple name. */
  private static String simpleName(String type) {
    String t = type.strip();
    return t.substring(Math.max(t.lastIndexOf('.'), t.lastIndexOf('$')) + 1);
  }
}
