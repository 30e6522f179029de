package dev.shoal.worker;

/**
 * How many chunks a worker holds beyond its slots. A chunk that finishes starts the next one held
 * here at once, while the demand for a replacement is on its way: the queue has to last a round
 * trip to the coordinator. Long chunks need few ({@code min}); chunks of microseconds (tiny items,
 * chunk size 1) need many, or the slots idle for most of every round trip. The rule: enough queued
 * chunks to keep every slot busy for {@code cover} at the pace chunks have run here (a moving
 * average), within {@code [min, max]}; before any chunk has run, {@code min}.
 *
 * <p>Chunks queued here wait for this worker's slots, so a slot held by an outlier (one item that
 * sleeps ten minutes) would hold them too while other workers idle. Hence the stall rule: when every
 * slot is busy, chunks are queued and nothing has started or finished here for the patience
 * ({@code stallFloor}, or four times the average chunk if that is longer), the worker is stalled: it
 * hands its queued chunks back to their jobs and holds none beyond its slots until a chunk finishes.
 *
 * <p>The demand that refills the queue is paced too, behind short chunks (more than {@code min}
 * held): once the worker has asked for chunks, the demands that finished chunks would each restate
 * wait until some chunks arrive ({@link #demandWaits}; the worker does not wait once it has nothing
 * left to run), and one demand then says all that finished meanwhile. The coordinator's count of the
 * worker's credit only lags behind the truth (a worker that says less than it could take is never
 * sent too much), and every arrival, heartbeat and refusal restates it whole. With chunks of
 * microseconds this is one demand for each refill instead of one for each batch of results: about a
 * third fewer remote messages in a job of one-item chunks.
 *
 * <p>Caveat: chunks queued here wait for this worker; a larger {@code max} lets a slow worker hold
 * work a faster one could run, which is why the queue grows only as chunks get short, and never
 * beyond the time {@code cover} of work.
 */
final class Prefetch {

  private final int min;
  private final int max;
  private final long coverNanos;
  private final long stallFloorNanos;
  private double nanosPerChunk = -1;
  private long lastProgressNanos = System.nanoTime();
  private boolean stalled;
  /** The last demand asked for chunks and none has arrived since. */
  private boolean refillAsked;

  Prefetch(int min, int max, long coverNanos) {
    this(min, max, coverNanos, Long.MAX_VALUE / 4);
  }

  Prefetch(int min, int max, long coverNanos, long stallFloorNanos) {
    if (min < 0 || max < min) {
      throw new IllegalArgumentException("prefetch must be 0 or more and max-prefetch at least prefetch, got "
          + min + " and " + max);
    }
    this.min = min;
    this.max = max;
    this.coverNanos = coverNanos;
    this.stallFloorNanos = stallFloorNanos;
  }

  /** A chunk ran for {@code nanos}, from its start here to its results. */
  void observe(long nanos) {
    stalled = false;
    if (nanos <= 0) {
      return;
    }
    nanosPerChunk = nanosPerChunk < 0 ? nanos : 0.8 * nanosPerChunk + 0.2 * nanos;
  }

  /** Chunks to hold beyond {@code slots} now. */
  int chunks(int slots) {
    if (stalled) {
      return 0;
    }
    if (nanosPerChunk < 0 || max == min) {
      return min;
    }
    double needed = Math.ceil(Math.max(1, slots) * coverNanos / nanosPerChunk);
    return (int) Math.max(min, Math.min(max, needed));
  }

  /**
   * Whether finished results should wait for more while {@code queued} chunks are held here: only
   * when chunks run so short that more than {@code min} are held, and only while more than half of
   * those are left (they run within about half of {@code cover}), so the refill demand that leaves
   * with the results still has half the queue to run behind it.
   */
  boolean resultsWait(int queued, int slots) {
    int held = chunks(slots);
    return held > min && queued > held / 2;
  }

  /**
   * The worker stated its demand: {@code wanted} more chunks (0 when full or draining). Only a worker
   * whose chunks run so short that it holds more than {@code min} paces its demand: behind longer
   * chunks the queue is the minimum, and a replacement held back for a round trip would idle a slot.
   */
  void demanded(int wanted, int slots) {
    refillAsked = wanted > 0 && chunks(slots) > min;
  }

  /** Chunks arrived: a demand held back since the last one asked may go now. */
  void arrived() {
    refillAsked = false;
  }

  /**
   * Whether the demand that finished chunks owe waits, with {@code held} chunks still here to run: the
   * last one asked for chunks and none has come, so the coordinator already sends what it has, and
   * stating more slots before they come would only add a message per batch of results. A worker with
   * nothing left to run never waits: the coordinator's picture of an idle worker is then exact.
   */
  boolean demandWaits(int held) {
    return refillAsked && held > 0;
  }

  /** A chunk started or finished here at {@code now} ({@link System#nanoTime}). */
  void progressed(long now) {
    lastProgressNanos = now;
  }

  /**
   * Whether the worker, whose slots are all busy while chunks wait in its queue, becomes stalled at
   * {@code now}: true once, when it does (the caller hands its queue back); it stays stalled, holding
   * nothing beyond its slots, until the next {@link #observe}.
   */
  boolean stallsAt(long now) {
    if (stalled || now - lastProgressNanos <= patienceNanos()) {
      return false;
    }
    stalled = true;
    return true;
  }

  boolean stalled() {
    return stalled;
  }

  /** How long slots may all stay busy, with chunks waiting, before the worker counts as stalled. */
  long patienceNanos() {
    return nanosPerChunk < 0 ? stallFloorNanos : Math.max(stallFloorNanos, (long) (4 * nanosPerChunk));
  }
}
