package dev.shoal.client;

import dev.shoal.api.ResultFrames;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.LongFunction;
import java.util.function.Supplier;

/**
 * A job's results ({@link ResultFrames}, as the coordinator stores them) as {@link ResultChunk}s, a
 * frame at a time as the bytes arrive, surviving its connection: when a read breaks off before the
 * job's end (the coordinator restarted, a standby took over, a proxy cut it), the frame being read is
 * dropped and the stream is opened again with {@code ?from=<items handed out>}, so the reader gets
 * every item once, in order, as from an undisturbed stream. A connection that broke before a whole
 * frame came (a link or proxy that cuts every few kilobytes) is opened again asking for frames of
 * half as many items ({@code &frameItems=K}, from {@value #FIRST_SMALL_FRAME} down to one), so that
 * every opening that lasts for one item's bytes moves the stream on.
 *
 * <p>Guarantees: a break is retried for the pool's follow deadline, counted from the break and
 * started again by every frame that arrives after it; then {@link CoordinatorUnreachableException}.
 * A coordinator that no longer knows the job ends it with an {@link UnknownJobException} naming it.
 * Memory: one frame, at most {@link ResultFrames#MAX_ITEMS} items.
 *
 * <p>A stream asked to end with the job's final status ({@code end=status}) ends at that frame; the
 * status is then at hand ({@link #endStatus}) without a second request.
 *
 * <p>Caveat: resuming trusts the coordinator to serve the same items again (they are in its journal
 * database, which outlives the connection).
 */
final class ResumingFrames implements Iterator<ResultChunk>, AutoCloseable {

  /** Opens the results from an item on, in frames of at most {@code frameItems} (0: as stored), within an outage. */
  interface Opener {
    InputStream open(long fromItem, int frameItems, Coordinators.Outage outage);
  }

  /** The frame size asked for after the first opening that broke inside its first frame. */
  static final int FIRST_SMALL_FRAME = 1024;

  private final Opener opener;
  private final LongFunction<Coordinators.Outage> outageAt;
  private final Supplier<URI> current;
  private final String jobId;
  private DataInputStream in;
  /** Items handed out. */
  private long items;
  /** The most items a frame is asked to hold (0: as stored). */
  private int frameItems;
  /** Whether a frame came since the stream was last opened. */
  private boolean progressed;
  private ResultChunk next;
  private boolean ended;
  /** The job's final status as JSON, when the stream ended with it. */
  private String endStatus;
  private Coordinators.Outage outage;
  private volatile boolean closed;

  /** Opens the stream from its first item (a 404 or other refusal is thrown from here). */
  ResumingFrames(String jobId, Opener opener, LongFunction<Coordinators.Outage> outageAt, Supplier<URI> current) {
    this.jobId = jobId;
    this.opener = opener;
    this.outageAt = outageAt;
    this.current = current;
    this.in = new DataInputStream(opener.open(0, 0, null));
  }

  @Override
  public boolean hasNext() {
    while (next == null && !ended && !closed) {
      ResultFrames.Frame f;
      try {
        f = ResultFrames.read(in);
      } catch (IOException e) {
        // an interrupt (a caller's timeout, a shutdown) or a close is not a broken stream: it ends the read
        if (closed) {
          break;
        }
        if (e instanceof java.io.StreamCorruptedException) {
          throw new IllegalStateException("the results of job " + jobId + " are not Shoal's results frames: "
              + e.getMessage(), e);
        }
        if (e instanceof java.io.InterruptedIOException || Thread.currentThread().isInterrupted()) {
          throw new UncheckedIOException("the results of job " + jobId + " broke off: " + e.getMessage(), e);
        }
        resume(e);
        continue;
      }
      if (f == null) {
        ended = true;
      } else if (f.isEnd()) {
        // the coordinator's last word; the stream is still read to its end (just after), so that
        // the connection goes back to the client's pool
        endStatus = f.endStatus();
      } else {
        outage = null;
        progressed = true;
        items += f.results().size();
        next = new ResultChunk(f.firstIndex(), f.results());
      }
    }
    return next != null;
  }

  @Override
  public ResultChunk next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    ResultChunk c = next;
    next = null;
    return c;
  }

  private void resume(IOException broken) {
    closeQuietly();
    if (outage == null) {
      outage = outageAt.apply(items);
    }
    String why = broken.getMessage() == null ? broken.toString() : broken.getMessage();
    outage.failed(current.get(), "the results stream broke off (" + why + ")", broken);
    if (!progressed) {
      frameItems = frameItems == 0 ? FIRST_SMALL_FRAME : Math.max(1, frameItems / 2);
    }
    progressed = false;
    in = new DataInputStream(opener.open(items, frameItems, outage));
  }

  /** The job's final status (JSON) if the stream has ended with one, else null. */
  String endStatus() {
    return endStatus;
  }

  /** Stops reading; the rest of the stream is dropped. */
  @Override
  public void close() {
    closed = true;
    closeQuietly();
  }

  private void closeQuietly() {
    try {
      in.close();
    } catch (IOException ignored) {
      // the connection is gone either way
    }
  }
}
