package dev.shoal.client;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.api.JobRequest;
import dev.shoal.api.FunctionInfo;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A worker pool, like Python's {@code multiprocessing.Pool}: {@link Shoal#local(int)} runs it on
 * threads of this JVM, {@link Shoal#connect(String)} on a Shoal cluster; the calls are the same, so
 * a program moves from one to the other by changing one line.
 */
public interface Pool extends AutoCloseable {

  /**
   * Submits a job; read its results from the handle. Throws {@link IllegalArgumentException} naming
   * the problem for a request over a limit or an unknown function, {@link
   * java.util.concurrent.RejectedExecutionException} when the coordinator is full, and {@link
   * NullPointerException} for a null argument; none of them affects other jobs.
   */
  JobHandle submit(JobRequest request, Items items);

  /** The functions this pool can run. */
  List<FunctionInfo> functions();

  /**
   * Applies a named function to every item and returns the results in input order. Throws {@link
   * ItemFailedException} naming the first failed item if any failed (the others still ran).
   */
  default List<JsonNode> map(String function, Iterable<?> items) {
    return map(JobRequest.of(function), Items.of(items));
  }

  default List<JsonNode> map(JobRequest request, Items items) {
    List<JsonNode> out = new ArrayList<>();
    ItemResult firstError = null;
    long failed = 0;
    try (JobHandle job = submit(request, items)) {
      for (Iterator<ResultChunk> it = job.chunks(); it.hasNext(); ) {
        for (ItemResult r : it.next().items()) {
          if (r.ok()) {
            out.add(r.value());
          } else {
            failed++;
            if (firstError == null || r.index() < firstError.index()) {
              firstError = r;
            }
            out.add(null);
          }
        }
      }
      job.await();
    }
    if (firstError != null) {
      throw new ItemFailedException(firstError.index(), firstError.error().type(), firstError.error().message(), failed);
    }
    return out;
  }

  /**
   * Applies an in-process lambda to every item and returns the results in input order. Only a pool
   * in this JVM ({@link Shoal#local(int)}) runs lambdas; a connected pool throws {@link
   * UnsupportedOperationException}, as a lambda cannot be sent to a cluster: apply a named function
   * there ({@link #map(String, Iterable)}, functions from a plugin jar).
   */
  default <T, R> List<R> map(java.util.function.Function<? super T, ? extends R> fn, Iterable<T> items) {
    throw new UnsupportedOperationException("in-process lambdas run only on a local pool (Shoal.local); "
        + "on a cluster, apply a named function, e.g. map(\"sha256\", items), or install your own as a plugin");
  }

  /** The results in input order as they arrive, errors included; closing the stream cancels the job. */
  default Stream<ItemResult> imap(String function, Iterable<?> items) {
    return stream(submit(JobRequest.of(function), Items.of(items)));
  }

  /**
   * The results of a stream of items of any length, in input order as they arrive; the items are
   * read lazily as the job takes them (on a cluster, uploaded while results come back).
   */
  default Stream<ItemResult> imap(String function, Stream<?> items) {
    return stream(submit(JobRequest.of(function), Items.of(items)));
  }

  /** The results in completion order, each with its index, as they arrive. */
  default Stream<ItemResult> imapUnordered(String function, Iterable<?> items) {
    return stream(submit(new JobRequest(function, "{}", 0, false, 0), Items.of(items)));
  }

  /** A job's results as a stream of items. */
  static Stream<ItemResult> stream(JobHandle job) {
    Iterator<ResultChunk> chunks = job.chunks();
    Iterator<ItemResult> items = new Iterator<>() {
      private Iterator<ItemResult> current = java.util.Collections.emptyIterator();

      @Override
      public boolean hasNext() {
        while (!current.hasNext() && chunks.hasNext()) {
          current = chunks.next().items().iterator();
        }
        return current.hasNext();
      }

      @Override
      public ItemResult next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return current.next();
      }
    };
    return StreamSupport.stream(Spliterators.spliteratorUnknownSize(items, Spliterator.ORDERED), false)
        .onClose(job::close);
  }

  @Override
  void close();
}
