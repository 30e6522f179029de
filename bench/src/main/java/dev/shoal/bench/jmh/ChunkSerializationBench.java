package dev.shoal.bench.jmh;

import com.typesafe.config.ConfigFactory;
import dev.shoal.api.ChunkResults;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * A 10,000-item chunk's results through Pekko's serialization (jackson-cbor, as they cross from a
 * worker JVM to the coordinator): the columnar {@code long[]} form of a {@code square} chunk against
 * the JSON-text form of a {@code sha256} chunk (64-character hex strings).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
public class ChunkSerializationBench {

  @Param({"longs", "json"})
  public String form;

  private ActorSystem system;
  private Serialization serialization;
  private ChunkResults chunk;
  private byte[] bytes;
  private int serializerId;
  private String manifest;

  @Setup(Level.Trial)
  public void setUp() {
    system = ActorSystem.create("bench", ConfigFactory.parseString(
            "pekko.actor.provider = local\npekko.loglevel = WARNING\npekko.log-dead-letters = off\n"
            + "pekko.coordinated-shutdown.exit-jvm = off")
        .withFallback(ConfigFactory.load()));
    serialization = SerializationExtension.get(system);
    int n = 10_000;
    if (form.equals("longs")) {
      long[] longs = new long[n];
      for (int i = 0; i < n; i++) {
        longs[i] = (long) i * i;
      }
      chunk = new ChunkResults(longs, null, List.of());
    } else {
      List<String> json = new ArrayList<>(n);
      byte[] b = new byte[32];
      for (int i = 0; i < n; i++) {
        b[0] = (byte) i;
        b[1] = (byte) (i >> 8);
        json.add('"' + HexFormat.of().formatHex(b) + '"');
      }
      chunk = new ChunkResults(null, json, List.of());
    }
    Serializer serializer = serialization.findSerializerFor(chunk);
    serializerId = serializer.identifier();
    manifest = Serializers.manifestFor(serializer, chunk);
    bytes = serialization.serialize(chunk).get();
  }

  /** The serialized size of the chunk in each form, for the report beside the timings. */
  public static String sizes() {
    StringBuilder out = new StringBuilder();
    for (String f : new String[] {"longs", "json"}) {
      ChunkSerializationBench b = new ChunkSerializationBench();
      b.form = f;
      b.setUp();
      try {
        out.append(out.length() == 0 ? "" : ", ").append(f).append(' ').append(b.bytes.length).append(" bytes");
      } finally {
        b.tearDown();
      }
    }
    return out.toString();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    system.terminate();
  }

  @Benchmark
  public byte[] serialize() {
    return serialization.serialize(chunk).get();
  }

  @Benchmark
  public Object deserialize() {
    return serialization.deserialize(bytes, serializerId, manifest).get();
  }
}
