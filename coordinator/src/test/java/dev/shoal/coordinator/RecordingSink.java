package dev.shoal.coordinator;

import static org.junit.jupiter.api.Assertions.assertNull;

import dev.shoal.api.JobStatus;
import dev.shoal.coordinator.job.ResultSink;
import dev.shoal.api.ChunkResults;
import dev.shoal.api.ItemError;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A sink that keeps what it is given, in the order given. With a semaphore, each write first takes
 * a permit: the test decides how fast the sink goes.
 */
class RecordingSink implements ResultSink {

  record Write(long firstIndex, ChunkResults results) {}

  private final List<Write> writes = Collections.synchronizedList(new ArrayList<>());
  private final CompletableFuture<JobStatus> closed = new CompletableFuture<>();
  private final Semaphore permits;

  RecordingSink() {
    this(null);
  }

  RecordingSink(Semaphore permits) {
    this.permits = permits;
  }

  @Override
  public void write(long firstIndex, ChunkResults results) {
    if (permits != null) {
      permits.acquireUninterruptibly();
    }
    writes.add(new Write(firstIndex, results));
  }

  @Override
  public void close(JobStatus status) {
    closed.complete(status);
  }

  JobStatus awaitClosed() throws Exception {
    return closed.get(90, TimeUnit.SECONDS);
  }

  boolean isClosed() {
    return closed.isDone();
  }

  List<Write> writes() {
    synchronized (writes) {
      return List.copyOf(writes);
    }
  }

  /** Every item's index, in the order written. */
  List<Long> indexes() {
    List<Long> out = new ArrayList<>();
    for (Write w : writes()) {
      for (int i = 0; i < w.results().size(); i++) {
        out.add(w.firstIndex() + i);
      }
    }
    return out;
  }

  /** Index to the value's JSON text, or to {@code !Type: message} for an error; fails on an index written twice. */
  Map<Long, String> outcomes() {
    Map<Long, String> out = new TreeMap<>();
    for (Write w : writes()) {
      ChunkResults r = w.results();
      String[] texts = new String[r.size()];
      for (int i = 0; i < texts.length; i++) {
        texts[i] = r.longs() != null ? Long.toString(r.longs()[i]) : r.json().get(i);
      }
      for (ItemError e : r.errors()) {
        texts[e.offset()] = "!" + e.type() + ": " + e.message();
      }
      for (int i = 0; i < texts.length; i++) {
        assertNull(out.put(w.firstIndex() + i, texts[i]), "index " + (w.firstIndex() + i) + " written twice");
      }
    }
    return out;
  }
}
