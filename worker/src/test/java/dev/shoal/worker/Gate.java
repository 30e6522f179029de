package dev.shoal.worker;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.api.FunctionKind;
import dev.shoal.api.ShoalFunction;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Test function {@code gate}: the items in {@code args.items} (every item if absent) block until the
 * test opens the gate named by {@code args.gate}; the others sleep 1 ms (which throws if an interrupt
 * leaked into them) and return the item. Lets a test know an item is running and decide when it
 * ends, without sleeping.
 */
public final class Gate implements ShoalFunction {

  private static final Map<String, Gate.State> GATES = new ConcurrentHashMap<>();

  /** One named gate. */
  public static final class State {
    private final CountDownLatch open = new CountDownLatch(1);
    private final AtomicInteger started = new AtomicInteger();
    private final AtomicInteger interrupted = new AtomicInteger();
    private final CountDownLatch firstStarted = new CountDownLatch(1);
    private final CountDownLatch firstInterrupted = new CountDownLatch(1);

    public void open() {
      open.countDown();
    }

    /** Items that reached the gate so far. */
    public int started() {
      return started.get();
    }

    public int interrupted() {
      return interrupted.get();
    }

    public void awaitStarted() throws InterruptedException {
      if (!firstStarted.await(30, TimeUnit.SECONDS)) {
        throw new AssertionError("no item reached the gate within 30 s");
      }
    }

    /** Blocks until the gate opens; an interrupt is counted and passed on. */
    public void pass() throws InterruptedException {
      started.incrementAndGet();
      firstStarted.countDown();
      try {
        open.await();
      } catch (InterruptedException e) {
        interrupted.incrementAndGet();
        firstInterrupted.countDown();
        throw e;
      }
    }

    public void awaitInterrupted() throws InterruptedException {
      if (!firstInterrupted.await(30, TimeUnit.SECONDS)) {
        throw new AssertionError("no item at the gate was interrupted within 30 s");
      }
    }
  }

  private final FunctionKind kind;

  public Gate() {
    this(FunctionKind.CPU);
  }

  public Gate(FunctionKind kind) {
    this.kind = kind;
  }

  /** A fresh gate, closed. */
  public static State create(String name) {
    State s = new State();
    GATES.put(name, s);
    return s;
  }

  @Override
  public String name() {
    return kind == FunctionKind.CPU ? "gate" : "io-gate";
  }

  @Override
  public FunctionKind kind() {
    return kind;
  }

  @Override
  public JsonNode apply(JsonNode item, JsonNode args) throws InterruptedException {
    if (selected(item.asLong(), args)) {
      named(args).pass();
    } else {
      Thread.sleep(1);
    }
    return item;
  }

  /** The gate that {@code args.gate} names. */
  public static State named(JsonNode args) {
    State s = GATES.get(args.path("gate").asText());
    if (s == null) {
      throw new IllegalStateException("no gate named " + args.path("gate"));
    }
    return s;
  }

  /** True when {@code args.items} lists the item, or lists nothing. */
  public static boolean selected(long item, JsonNode args) {
    JsonNode only = args.get("items");
    if (only == null) {
      return true;
    }
    for (JsonNode x : only) {
      if (x.asLong() == item) {
        return true;
      }
    }
    return false;
  }
}
