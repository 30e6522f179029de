package dev.shoal.worker;

import java.lang.reflect.Method;
import java.util.ArrayDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads that run user functions, kept off the actor dispatcher so that a slow or blocking
 * function never stalls message handling. One instance per node, shared by its worker actors:
 *
 * <ul>
 *   <li>{@code cpu}: a fixed pool of at most one thread per core, for {@code CPU} functions;
 *   <li>{@code io}: virtual threads on JDK 21+, a cached pool of daemon threads on JDK 17, entered
 *       through {@link #submitIo} which keeps at most {@code ioParallelism} items in flight;
 *   <li>{@code timers}: one thread that interrupts items past their time limit.
 * </ul>
 */
public final class WorkerExecutors implements AutoCloseable {

  private final ExecutorService cpu;
  private final ExecutorService io;
  private final ScheduledExecutorService timers;
  private final int cpuThreads;
  private final int ioParallelism;
  private final boolean virtualThreads;
  private final ArrayDeque<Runnable> ioWaiting = new ArrayDeque<>();
  private int ioInFlight;

  public WorkerExecutors(int cpuThreads, int ioParallelism) {
    this.cpuThreads = Math.max(1, cpuThreads);
    this.ioParallelism = Math.max(1, ioParallelism);
    this.cpu = Executors.newFixedThreadPool(this.cpuThreads, daemon("shoal-cpu"));
    ExecutorService virtual = virtualThreadExecutor();
    this.virtualThreads = virtual != null;
    this.io = virtual != null ? virtual : Executors.newCachedThreadPool(daemon("shoal-io"));
    ScheduledThreadPoolExecutor t = new ScheduledThreadPoolExecutor(1, daemon("shoal-timeout"));
    t.setRemoveOnCancelPolicy(true);
    this.timers = t;
  }

  /** Defaults for a node: one CPU thread per core, {@code ioParallelism} IO items in flight. */
  public static WorkerExecutors forNode(int ioParallelism) {
    return new WorkerExecutors(Runtime.getRuntime().availableProcessors(), ioParallelism);
  }

  private static ExecutorService virtualThreadExecutor() {
    // reflection keeps the build on --release 17 while using Loom where the JVM has it
    try {
      Method m = Executors.class.getMethod("newVirtualThreadPerTaskExecutor");
      return (ExecutorService) m.invoke(null);
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }

  private static ThreadFactory daemon(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  public ExecutorService cpu() {
    return cpu;
  }

  public ScheduledExecutorService timers() {
    return timers;
  }

  public int cpuThreads() {
    return cpuThreads;
  }

  public int ioParallelism() {
    return ioParallelism;
  }

  public boolean virtualThreads() {
    return virtualThreads;
  }

  /** Runs {@code task} on the IO executor once fewer than {@code ioParallelism} IO tasks are running. */
  public void submitIo(Runnable task) {
    synchronized (ioWaiting) {
      if (ioInFlight >= ioParallelism) {
        ioWaiting.add(task);
        return;
      }
      ioInFlight++;
    }
    io.execute(() -> runIo(task));
  }

  private void runIo(Runnable task) {
    Runnable next = task;
    while (next != null) {
      try {
        next.run();
      } finally {
        synchronized (ioWaiting) {
          next = ioWaiting.poll();
          if (next == null) {
            ioInFlight--;
          }
        }
      }
    }
  }

  @Override
  public void close() {
    cpu.shutdownNow();
    io.shutdownNow();
    timers.shutdownNow();
    try {
      cpu.awaitTermination(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
