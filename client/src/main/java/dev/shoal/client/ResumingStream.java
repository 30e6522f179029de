package dev.shoal.client;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.function.LongFunction;
import java.util.function.Supplier;

/**
 * A job's results stream that survives its connection: when a read breaks off before the job's end
 * (the coordinator restarted, a standby took over, a proxy cut it), the stream is opened again
 * with {@code ?from=<whole lines read>} and the part of a line already handed out is skipped, so the
 * reader gets the very bytes of an undisturbed stream, every line once, in order.
 *
 * <p>Guarantees: a break is retried for the pool's follow deadline, counted from the break and
 * started again by every byte that arrives after it; then {@link CoordinatorUnreachableException}.
 * A coordinator that no longer knows the job ends it with an {@link UnknownJobException} naming it.
 * Reading costs one scan of the bytes for line ends; bytes are copied only to drop a resumed line's
 * head.
 *
 * <p>Caveat: resuming trusts the coordinator to serve the same lines again (its results file
 * outlives the connection); a partial line is skipped by its length, not compared.
 */
final class ResumingStream extends InputStream {

  /** Opens the results from a line on, within an outage (null: the first opening). */
  interface Opener {
    InputStream open(long fromLine, Coordinators.Outage outage);
  }

  private final Opener opener;
  private final LongFunction<Coordinators.Outage> outageAt;
  private final Supplier<URI> current;
  private InputStream in;
  /** Whole lines handed out. */
  private long lines;
  /** Bytes of the line being handed out, for a resumed stream to skip. */
  private long partial;
  private long skip;
  private Coordinators.Outage outage;
  private volatile boolean closed;

  /** Opens the stream from its first line (a 404 or other refusal is thrown from here). */
  ResumingStream(Opener opener, LongFunction<Coordinators.Outage> outageAt, Supplier<URI> current) {
    this.opener = opener;
    this.outageAt = outageAt;
    this.current = current;
    this.in = opener.open(0, null);
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    while (true) {
      int n;
      try {
        n = in.read(b, off, len);
      } catch (IOException e) {
        // an interrupt (a caller's timeout, a shutdown) is not a broken stream: it ends the read
        if (closed || e instanceof java.io.InterruptedIOException || Thread.currentThread().isInterrupted()) {
          throw e;
        }
        resume(e);
        continue;
      }
      if (n <= 0) {
        return n;
      }
      if (skip > 0) {
        int dropped = (int) Math.min(skip, n);
        skip -= dropped;
        n -= dropped;
        if (n == 0) {
          continue;
        }
        System.arraycopy(b, off + dropped, b, off, n);
      }
      outage = null;
      count(b, off, n);
      return n;
    }
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  private void count(byte[] b, int off, int n) {
    int lastLineEnd = -1;
    for (int i = off; i < off + n; i++) {
      if (b[i] == '\n') {
        lines++;
        lastLineEnd = i;
      }
    }
    partial = lastLineEnd < 0 ? partial + n : off + n - lastLineEnd - 1;
  }

  private void resume(IOException broken) {
    try {
      in.close();
    } catch (IOException ignored) {
      // the connection is gone either way
    }
    if (outage == null) {
      outage = outageAt.apply(lines);
    }
    String why = broken.getMessage() == null ? broken.toString() : broken.getMessage();
    outage.failed(current.get(), "the results stream broke off (" + why + ")", broken);
    in = opener.open(lines, outage);
    skip = partial;
  }

  @Override
  public void close() throws IOException {
    closed = true;
    in.close();
  }
}
