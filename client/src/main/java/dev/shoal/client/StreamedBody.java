package dev.shoal.client;

import java.io.IOException;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A job's items as the body of {@code PUT /jobs/{id}/items}: JSON Lines produced on a thread of its
 * own as the connection asks for them, so the items are read lazily, a slow source (a pipe, a
 * generator) never blocks the HTTP client's own threads, and a coordinator that reads slowly slows
 * the reading (at most one piece of {@value #PIECE} bytes waits in memory).
 *
 * <p>Guarantees: the bytes are those of the lines as read (a reader's text re-encoded as UTF-8),
 * each object item one line of Jackson JSON. A failure to read the items fails the body, which cuts
 * the request off, so the coordinator fails the job rather than take a part for the whole; the
 * reason is kept ({@link #failure()}) for the caller to show.
 *
 * <p>Caveat: the body can be sent once (it consumes its items); a retried request cannot resend it.
 */
final class StreamedBody implements Flow.Publisher<ByteBuffer> {

  static final int PIECE = 64 * 1024;

  /** The next piece of the body, or null at its end. */
  private interface Pieces {
    ByteBuffer next() throws IOException;
  }

  private final Pieces pieces;
  /** Items read into pieces so far; the pieces count them as they are made. */
  private final AtomicLong sent;
  private final AtomicBoolean subscribed = new AtomicBoolean();
  private volatile Throwable failure;
  private volatile Producer producer;

  private StreamedBody(Pieces pieces, AtomicLong sent) {
    this.pieces = pieces;
    this.sent = sent;
  }

  /** The body for {@code items} (lines or objects; a range is never uploaded). */
  static StreamedBody of(Items items) {
    AtomicLong sent = new AtomicLong();
    if (items instanceof Items.Lines lines) {
      return new StreamedBody(text(lines.reader(), sent::addAndGet), sent);
    }
    if (items instanceof Items.Objects objects) {
      return new StreamedBody(objects(objects.items().iterator(), sent::incrementAndGet), sent);
    }
    throw new IllegalArgumentException("a range is sent as two numbers, not uploaded");
  }

  /** Items handed to the connection so far (line breaks for lines). */
  long itemsSent() {
    return sent.get();
  }

  /** Why the items could not be read, or null. */
  Throwable failure() {
    return failure;
  }

  /** Stops producing: the request is being given up. */
  void cancel() {
    Producer p = producer;
    if (p != null) {
      p.cancel();
    }
  }

  @Override
  public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
    if (!subscribed.compareAndSet(false, true)) {
      subscriber.onSubscribe(new Flow.Subscription() {
        @Override
        public void request(long n) {}

        @Override
        public void cancel() {}
      });
      subscriber.onError(new IllegalStateException("the items of an upload can be sent only once"));
      return;
    }
    Producer p = new Producer(subscriber);
    producer = p;
    subscriber.onSubscribe(p);
    Thread t = new Thread(p, "shoal-items-upload");
    t.setDaemon(true);
    t.start();
  }

  private final class Producer implements Flow.Subscription, Runnable {
    private final Flow.Subscriber<? super ByteBuffer> subscriber;
    private long demand;
    private boolean cancelled;

    Producer(Flow.Subscriber<? super ByteBuffer> subscriber) {
      this.subscriber = subscriber;
    }

    @Override
    public synchronized void request(long n) {
      demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
      notifyAll();
    }

    @Override
    public synchronized void cancel() {
      cancelled = true;
      notifyAll();
    }

    private synchronized boolean awaitDemand() throws InterruptedException {
      while (demand == 0 && !cancelled) {
        wait();
      }
      if (cancelled) {
        return false;
      }
      demand--;
      return true;
    }

    @Override
    public void run() {
      try {
        while (awaitDemand()) {
          ByteBuffer piece = pieces.next();
          if (piece == null) {
            subscriber.onComplete();
            return;
          }
          subscriber.onNext(piece);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (Throwable t) {
        failure = t;
        subscriber.onError(t);
      }
    }
  }

  /**
   * A reader's text re-encoded as UTF-8, a piece at a time; {@code lines} hears the line breaks. A
   * surrogate pair is never split between pieces, so each piece encodes on its own.
   */
  private static Pieces text(Reader reader, java.util.function.LongConsumer lines) {
    char[] buf = new char[PIECE / 4];
    int[] carried = {0};
    return () -> {
      int n = reader.read(buf, carried[0], buf.length - carried[0]);
      if (n < 0) {
        reader.close();
        if (carried[0] == 0) {
          return null;
        }
        n = 0;
      }
      long breaks = 0;
      for (int i = carried[0]; i < carried[0] + n; i++) {
        if (buf[i] == '\n') {
          breaks++;
        }
      }
      int total = carried[0] + n;
      int keep = n > 0 && Character.isHighSurrogate(buf[total - 1]) ? 1 : 0;
      ByteBuffer out = StandardCharsets.UTF_8.encode(CharBuffer.wrap(buf, 0, total - keep));
      if (keep == 1) {
        buf[0] = buf[total - 1];
      }
      carried[0] = keep;
      lines.accept(breaks);
      return out;
    };
  }

  /** Each object as one line of JSON, lines gathered into pieces of about {@value #PIECE} bytes. */
  private static Pieces objects(Iterator<?> items, Runnable oneMore) {
    return () -> {
      if (!items.hasNext()) {
        return null;
      }
      java.io.ByteArrayOutputStream piece = new java.io.ByteArrayOutputStream(PIECE + 1024);
      while (piece.size() < PIECE && items.hasNext()) {
        piece.writeBytes(Items.Objects.toJson(items.next()).getBytes(StandardCharsets.UTF_8));
        piece.write('\n');
        oneMore.run();
      }
      return ByteBuffer.wrap(piece.toByteArray());
    };
  }
}
