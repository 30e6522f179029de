package dev.shoal.bench.jmh;

import dev.shoal.coordinator.job.ReorderBuffer;
import dev.shoal.api.ChunkResults;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The coordinator's {@link ReorderBuffer} putting a job's window of 64 chunks back in input order:
 * chunks arriving in order (each released at once) and reversed within the window (every chunk
 * held until the first arrives, the worst case the window allows). Score: time per 64 chunks.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
public class ReorderBufferBench {

  private static final int WINDOW = 64;
  private static final int CHUNK = 10_000;

  @Param({"inOrder", "reversed"})
  public String arrival;

  private final ChunkResults results = new ChunkResults(new long[CHUNK], null, List.of());
  private int[] order;

  @Setup
  public void setUp() {
    order = new int[WINDOW];
    for (int i = 0; i < WINDOW; i++) {
      order[i] = arrival.equals("inOrder") ? i : WINDOW - 1 - i;
    }
  }

  @Benchmark
  public void window(Blackhole bh) {
    ReorderBuffer buffer = new ReorderBuffer(0);
    for (int i : order) {
      bh.consume(buffer.add((long) i * CHUNK, results));
    }
  }
}
