package dev.shoal.bench.jmh;

import dev.shoal.coordinator.job.JsonLines;
import dev.shoal.api.ChunkResults;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * {@link JsonLines} formatting the results of a 1,000,000-item {@code square} job (100 chunks of
 * 10,000 longs) into a stream that discards the bytes: the formatter's own cost, which bounds how
 * fast any sink (a file, the HTTP results stream) can go. Score: time per million lines.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
public class JsonLinesBench {

  private static final int CHUNK = 10_000;
  private static final int CHUNKS = 100;

  private ChunkResults[] chunks;

  @Setup
  public void setUp() {
    chunks = new ChunkResults[CHUNKS];
    for (int c = 0; c < CHUNKS; c++) {
      long[] longs = new long[CHUNK];
      for (int i = 0; i < CHUNK; i++) {
        long x = (long) c * CHUNK + i;
        longs[i] = x * x;
      }
      chunks[c] = new ChunkResults(longs, null, List.of());
    }
  }

  @Benchmark
  public JsonLines millionLongs() throws IOException {
    JsonLines lines = new JsonLines(OutputStream.nullOutputStream());
    for (int c = 0; c < CHUNKS; c++) {
      lines.write((long) c * CHUNK, chunks[c]);
    }
    lines.flush();
    return lines;
  }
}
