package dev.shoal.coordinator.http;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The items of one uploaded job on their way from the request body to the job: bytes are appended
 * to a file on the coordinator's disk as they arrive and read back by the job as it cuts chunks, so
 * neither end holds more than a buffer of them whatever the input's size.
 *
 * <p>Guarantees: the reader sees every appended byte once, in order, and then the end only if the
 * upload was {@linkplain #finish finished}; an upload that {@linkplain #fail failed} makes the
 * reader's next read past the stored bytes throw with the reason, so a job never mistakes a cut-off
 * input for a complete one. {@link #append} answers a stage that completes only once fewer than
 * {@code maxPending} bytes wait unread: a caller that waits for it before appending more (the
 * upload route does) slows to the job's pace, and the file never holds more than {@code maxPending}
 * bytes beyond what the job has read plus one append.
 *
 * <p>Caveats: the file keeps the bytes the job has already read until the job ends (it is one
 * append-only file, deleted when the reader is closed), so the disk holds the whole input for
 * the job's lifetime. One writer and one reader at a time.
 */
final class ItemUpload implements AutoCloseable {

  private enum State { WAITING, RECEIVING, FINISHED, FAILED, ABANDONED }

  private final Path file;
  private final FileChannel out;
  private final FileChannel in;
  private final long maxPending;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition arrived = lock.newCondition();
  private State state = State.WAITING;
  private String failure;
  private long written;
  private long read;
  private long lines;
  private long lastByteNanos = System.nanoTime();
  private CompletableFuture<Void> room;

  private ItemUpload(Path file, long maxPending) throws IOException {
    this.file = file;
    this.maxPending = maxPending;
    this.out = FileChannel.open(file, StandardOpenOption.WRITE);
    this.in = FileChannel.open(file, StandardOpenOption.READ);
  }

  /** A new, empty upload stored in a fresh file in {@code folder}; fails if the file cannot be made. */
  static ItemUpload create(Path folder, long maxPending) throws IOException {
    Files.createDirectories(folder);
    return new ItemUpload(Files.createTempFile(folder, "upload-", ".jsonl"), maxPending);
  }

  /**
   * Marks the upload as begun; false when it already had begun or ended (one upload per job).
   * Refuses a job whose reader is gone with the reason.
   */
  boolean begin() {
    lock.lock();
    try {
      if (state != State.WAITING) {
        return false;
      }
      state = State.RECEIVING;
      lastByteNanos = System.nanoTime();
      return true;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Stores {@code bytes} (blocking on the disk write: call it off an actor or stream thread); the
   * stage completes when there is room for more. Throws {@link IOException} when the bytes cannot
   * be stored (a full disk) and {@link IllegalStateException} when the job stopped reading.
   */
  CompletionStage<Void> append(ByteBuffer bytes) throws IOException {
    lock.lock();
    try {
      if (state == State.ABANDONED) {
        throw new IllegalStateException(failure);
      }
      if (state != State.RECEIVING) {
        throw new IllegalStateException("the upload is " + state.name().toLowerCase());
      }
    } finally {
      lock.unlock();
    }
    int n = bytes.remaining();
    long newLines = 0;
    for (int i = bytes.position(); i < bytes.limit(); i++) {
      if (bytes.get(i) == '\n') {
        newLines++;
      }
    }
    while (bytes.hasRemaining()) {
      out.write(bytes);
    }
    lock.lock();
    try {
      written += n;
      lines += newLines;
      lastByteNanos = System.nanoTime();
      arrived.signalAll();
      if (state == State.ABANDONED) {
        throw new IllegalStateException(failure);
      }
      if (written - read <= maxPending) {
        return CompletableFuture.completedFuture(null);
      }
      room = new CompletableFuture<>();
      return room;
    } finally {
      lock.unlock();
    }
  }

  /** The input is complete: the reader reaches its end after the bytes stored. */
  void finish() {
    end(State.FINISHED, null);
  }

  /** The input broke off: the reader fails with {@code reason} after the bytes stored. */
  void fail(String reason) {
    end(State.FAILED, reason);
  }

  private void end(State to, String reason) {
    lock.lock();
    try {
      if (state == State.WAITING || state == State.RECEIVING) {
        state = to;
        failure = reason;
        arrived.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  /** True while bytes are expected and none came for {@code idleNanos}, unless the upload waits for the job. */
  boolean idleFor(long idleNanos) {
    lock.lock();
    try {
      boolean open = state == State.WAITING || state == State.RECEIVING;
      boolean heldBack = room != null && !room.isDone();
      return open && !heldBack && System.nanoTime() - lastByteNanos > idleNanos;
    } finally {
      lock.unlock();
    }
  }

  /** True until the upload has finished or failed, or the job stopped reading. */
  boolean open() {
    lock.lock();
    try {
      return state == State.WAITING || state == State.RECEIVING;
    } finally {
      lock.unlock();
    }
  }

  boolean begun() {
    lock.lock();
    try {
      return state != State.WAITING;
    } finally {
      lock.unlock();
    }
  }

  long bytesReceived() {
    lock.lock();
    try {
      return written;
    } finally {
      lock.unlock();
    }
  }

  /** Line breaks received: the items, give or take a last line without one and blank lines. */
  long linesReceived() {
    lock.lock();
    try {
      return lines;
    } finally {
      lock.unlock();
    }
  }

  /** The job's side: the bytes as they are stored, blocking until more arrive or the upload ends. */
  InputStream reader() {
    return new InputStream() {
      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
          return 0;
        }
        long at;
        int n;
        lock.lock();
        try {
          while (read == written && (state == State.WAITING || state == State.RECEIVING)) {
            arrived.await();
          }
          if (read == written) {
            if (state == State.FAILED) {
              throw new IOException(failure);
            }
            return -1;
          }
          at = read;
          n = (int) Math.min(len, written - read);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new java.io.InterruptedIOException("the job stopped reading its items");
        } finally {
          lock.unlock();
        }
        ByteBuffer into = ByteBuffer.wrap(b, off, n);
        while (into.hasRemaining()) {
          if (in.read(into, at + (n - into.remaining())) < 0) {
            throw new IOException("the stored items of " + file + " are shorter than what was received");
          }
        }
        lock.lock();
        try {
          read += n;
          if (room != null && written - read <= maxPending / 2) {
            room.complete(null);
            room = null;
          }
        } finally {
          lock.unlock();
        }
        return n;
      }

      @Override
      public int available() {
        lock.lock();
        try {
          return (int) Math.min(Integer.MAX_VALUE, written - read);
        } finally {
          lock.unlock();
        }
      }

      @Override
      public void close() {
        ItemUpload.this.close();
      }
    };
  }

  /**
   * The job is done with its items (ended, cancelled or failed): a transfer still going on is
   * refused from its next append, and the file is deleted.
   */
  @Override
  public void close() {
    lock.lock();
    try {
      if (state == State.WAITING || state == State.RECEIVING) {
        state = State.ABANDONED;
        failure = "the job ended before its items were all uploaded";
      }
      if (room != null) {
        room.completeExceptionally(new IllegalStateException(failure == null ? "the job ended" : failure));
        room = null;
      }
      arrived.signalAll();
    } finally {
      lock.unlock();
    }
    try {
      out.close();
      in.close();
      Files.deleteIfExists(file);
    } catch (IOException ignored) {
      // the job is over; a file left behind is removed with the spool folder
    }
  }
}
