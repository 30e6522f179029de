package dev.shoal.worker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.LongNode;
import dev.shoal.api.ChunkResults;
import dev.shoal.protocol.ChunkTask;
import dev.shoal.api.FunctionKind;
import dev.shoal.protocol.ItemBatch;
import dev.shoal.api.ItemError;
import dev.shoal.api.LongShoalFunction;
import dev.shoal.api.ShoalFunction;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs the items of one chunk through a user function, off the actor thread. {@code CPU} functions
 * run the items one after another on one CPU thread (the chunk is the unit of parallelism);
 * {@code IO} functions run every item of the chunk concurrently on the IO executor.
 *
 * <p>Sizes everything from the items it holds ({@link ItemBatch#size()}), never from a count it
 * was told; the worker has refused a chunk over {@code max-chunk-items} before one is made.
 *
 * <p>Never throws for a bad item: an exception, a time-out ({@code Timeout}), a JSON item that does
 * not parse ({@code InvalidItem}) or a cancellation ({@code Cancelled}) becomes that item's error.
 */
final class ChunkRunner {

  static final ObjectMapper JSON = new ObjectMapper();

  private final ChunkTask task;
  private final ShoalFunction function;
  private final JsonNode args;
  private final WorkerExecutors executors;
  private final Set<ItemCall> active = ConcurrentHashMap.newKeySet();
  private volatile boolean cancelled;
  private final JsonNode[] values;
  private final ItemError[] errors;

  ChunkRunner(ChunkTask task, ShoalFunction function, JsonNode args, WorkerExecutors executors) {
    this.task = task;
    this.function = function;
    this.args = args;
    this.executors = executors;
    this.values = new JsonNode[task.items().size()];
    this.errors = new ItemError[task.items().size()];
  }

  /** A chunk whose function this node does not have: every item fails. */
  static ChunkResults unknownFunction(ChunkTask task) {
    return ChunkResults.allFailed(task.items().size(), "UnknownFunction",
        "function '" + task.function() + "' is not installed on this worker");
  }

  CompletableFuture<ChunkResults> start() {
    int n = task.items().size();
    if (function.kind() == FunctionKind.IO) {
      CompletableFuture<ChunkResults> done = new CompletableFuture<>();
      AtomicInteger remaining = new AtomicInteger(n);
      // an error the item cannot survive (out of memory) fails the whole chunk instead of leaving it unfinished
      java.util.concurrent.atomic.AtomicReference<Throwable> fatal = new java.util.concurrent.atomic.AtomicReference<>();
      for (int i = 0; i < n; i++) {
        int offset = i;
        executors.submitIo(() -> {
          try {
            runItem(offset);
          } catch (Throwable e) {
            fatal.compareAndSet(null, e);
          } finally {
            // the decrement publishes this item's slot to the thread that sees zero
            if (remaining.decrementAndGet() == 0) {
              Throwable f = fatal.get();
              if (f != null) {
                done.completeExceptionally(f);
              } else {
                done.complete(build());
              }
            }
          }
        });
      }
      return done;
    }
    if (function instanceof LongShoalFunction f && task.items().isRange() && task.timeoutMs() == 0) {
      return CompletableFuture.supplyAsync(() -> runLongs(f), executors.cpu());
    }
    return CompletableFuture.supplyAsync(() -> {
      for (int i = 0; i < n; i++) {
        runItem(i);
      }
      return build();
    }, executors.cpu());
  }

  /**
   * Integers in, integers out, no JSON nodes: the fast path for {@link LongShoalFunction} over a
   * range. Only without a time limit, which needs each item on its own timer.
   */
  private ChunkResults runLongs(LongShoalFunction f) {
    int n = task.items().size();
    long start = task.items().rangeStart();
    long[] out = new long[n];
    List<ItemError> errs = new ArrayList<>(0);
    ItemCall call = new ItemCall(Thread.currentThread());
    active.add(call);
    try {
      for (int i = 0; i < n; i++) {
        if (cancelled) {
          errs.add(new ItemError(i, "Cancelled", "the job was cancelled"));
          continue;
        }
        try {
          out[i] = f.applyAsLong(start + i, args);
        } catch (Throwable e) {
          errs.add(errorOf(i, e, call));
        }
      }
    } finally {
      call.finish();
      active.remove(call);
    }
    return new ChunkResults(out, null, errs);
  }

  /** Interrupts the running items; the ones not started yet fail as {@code Cancelled}. */
  void cancel() {
    cancelled = true;
    for (ItemCall call : active) {
      call.interrupt();
    }
  }

  String jobId() {
    return task.jobId();
  }

  private void runItem(int offset) {
    if (cancelled) {
      errors[offset] = new ItemError(offset, "Cancelled", "the job was cancelled");
      return;
    }
    JsonNode item;
    try {
      item = item(task.items(), offset);
    } catch (Exception e) {
      errors[offset] = new ItemError(offset, "InvalidItem", "item is not valid JSON: " + e.getMessage());
      return;
    }
    ItemCall call = new ItemCall(Thread.currentThread());
    active.add(call);
    if (cancelled) {
      // cancel() may have gone over the active items before this one joined them: nobody would interrupt it
      active.remove(call);
      errors[offset] = new ItemError(offset, "Cancelled", "the job was cancelled");
      return;
    }
    ScheduledFuture<?> timer = task.timeoutMs() > 0
        ? executors.timers().schedule(call::timeOut, task.timeoutMs(), TimeUnit.MILLISECONDS)
        : null;
    try {
      JsonNode v = function.apply(item, args, task.attempt());
      values[offset] = v == null ? com.fasterxml.jackson.databind.node.NullNode.getInstance() : v;
    } catch (Throwable e) {
      errors[offset] = errorOf(offset, e, call);
    } finally {
      if (timer != null) {
        timer.cancel(false);
      }
      call.finish();
      active.remove(call);
    }
  }

  private ItemError errorOf(int offset, Throwable e, ItemCall call) {
    if (call.timedOut) {
      return new ItemError(offset, "Timeout", "item took longer than timeoutMs=" + task.timeoutMs());
    }
    if (cancelled) {
      return new ItemError(offset, "Cancelled", "the job was cancelled");
    }
    if (e instanceof VirtualMachineError vme && !(e instanceof StackOverflowError)) {
      // out of memory and the like leave the JVM in no state to go on: let the node die and the
      // coordinator re-send the chunk (and isolate the item if it keeps killing workers)
      throw vme;
    }
    String message = e.getMessage() == null ? e.toString() : e.getMessage();
    return new ItemError(offset, e.getClass().getSimpleName(), message);
  }

  private static JsonNode item(ItemBatch items, int offset) throws Exception {
    return items.isRange() ? LongNode.valueOf(items.rangeStart() + offset) : JSON.readTree(items.json().get(offset));
  }

  private ChunkResults build() {
    int n = values.length;
    List<ItemError> errs = new ArrayList<>();
    boolean allLong = true;
    for (int i = 0; i < n; i++) {
      if (errors[i] != null) {
        errs.add(errors[i]);
      } else if (allLong && !(values[i].isIntegralNumber() && values[i].canConvertToLong())) {
        allLong = false;
      }
    }
    if (allLong) {
      long[] longs = new long[n];
      for (int i = 0; i < n; i++) {
        if (errors[i] == null) {
          longs[i] = values[i].longValue();
        }
      }
      return new ChunkResults(longs, null, errs);
    }
    List<String> json = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      json.add(errors[i] == null ? text(values[i]) : null);
    }
    return new ChunkResults(null, json, errs);
  }

  private static String text(JsonNode v) {
    if (v.isTextual() || v.isNumber() || v.isBoolean() || v.isNull()) {
      return v.toString();
    }
    try {
      return JSON.writeValueAsString(v);
    } catch (Exception e) {
      return "null";
    }
  }

  /**
   * One item on one thread. The timer and the finishing thread agree under a lock, so an interrupt
   * meant for this item never leaks into the next item run by the same thread.
   */
  private static final class ItemCall {
    final Thread thread;
    volatile boolean timedOut;
    private boolean finished;

    ItemCall(Thread thread) {
      this.thread = thread;
    }

    synchronized void timeOut() {
      if (!finished) {
        timedOut = true;
        thread.interrupt();
      }
    }

    synchronized void interrupt() {
      if (!finished) {
        thread.interrupt();
      }
    }

    synchronized void finish() {
      finished = true;
      Thread.interrupted();
    }
  }
}
