package dev.shoal.coordinator.durable;

import dev.shoal.coordinator.job.ReorderBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * The batches a durable job's sink has written and its ledger has not yet recorded, gathered so
 * that while one record is being persisted the next collects everything written meanwhile: under a
 * flood of small chunks the journal gets one event per round trip, not one per chunk.
 */
public final class Unrecorded {

  /** What one record covers: {@code pairs} are (first index, count) of each chunk. */
  public record Batch(long lines, long[] pairs, long errors, int chunks) {}

  private long[] pairs = new long[16];
  private int size;
  private long lines;
  private long errors;

  public void add(List<ReorderBuffer.Ready> written) {
    for (ReorderBuffer.Ready r : written) {
      if (size + 2 > pairs.length) {
        pairs = Arrays.copyOf(pairs, pairs.length * 2);
      }
      // a chunk that follows the last one extends it: an ordered job's record is one pair
      if (size > 0 && pairs[size - 2] + pairs[size - 1] == r.firstIndex()) {
        pairs[size - 1] += r.results().size();
      } else {
        pairs[size++] = r.firstIndex();
        pairs[size++] = r.results().size();
      }
      lines += r.results().size();
      errors += r.results().errorCount();
      chunks++;
    }
  }

  private int chunks;

  public boolean isEmpty() {
    return chunks == 0;
  }

  /** Result lines gathered so far. */
  public long lines() {
    return lines;
  }

  /** Everything gathered, as one batch; this is empty afterwards. */
  public Batch take() {
    Batch b = new Batch(lines, Arrays.copyOf(pairs, size), errors, chunks);
    size = 0;
    lines = 0;
    errors = 0;
    chunks = 0;
    return b;
  }
}
