package dev.shoal.protocol;

import dev.shoal.api.ChunkResults;
import dev.shoal.api.ItemError;
import dev.shoal.api.FunctionInfo;
import dev.shoal.api.FunctionKind;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.apache.pekko.serialization.jackson.JacksonCborSerializer;
import org.apache.pekko.serialization.jackson.JacksonObjectMapperProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every message and payload that crosses nodes survives Pekko serialization unchanged, and goes
 * through the Jackson CBOR serializer (not Java serialization, which the nodes turn off). The
 * binding is the one of the cli module's {@code application.conf}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProtocolSerializationTest {

  private final ActorTestKit testKit = ActorTestKit.create("serialization", ConfigFactory.parseString("""
      pekko.actor {
        serialization-bindings { "dev.shoal.protocol.CborSerializable" = jackson-cbor }
        allow-java-serialization = off
      }
      """));
  private final ActorRef<WorkerProtocol.Command> worker =
      testKit.<WorkerProtocol.Command>createTestProbe("worker").ref();
  private final ActorRef<JobProtocol.Command> job = testKit.<JobProtocol.Command>createTestProbe("job").ref();
  private final ActorRef<JarProtocol.JarPart> jarFetcher = testKit.<JarProtocol.JarPart>createTestProbe("jars").ref();

  @AfterAll
  void shutdown() {
    testKit.shutdownTestKit();
  }

  Stream<Named<Object>> messages() {
    ItemBatch range = ItemBatch.range(1_000_000_000_000L, 10_000);
    ItemBatch json = ItemBatch.json(List.of("1", "\"a \\\"quoted\\\" string\"", "{\"k\":[1,2.5,null]}", "not json"));
    ChunkResults longs = new ChunkResults(new long[] {0, -1, Long.MIN_VALUE, Long.MAX_VALUE}, null, List.of());
    ChunkResults texts = new ChunkResults(null, List.of("\"é\"", "[1,2]", "null", "true"), List.of());
    ChunkResults withErrors = new ChunkResults(null, Arrays.asList("\"ok\"", null, "3", null),
        List.of(new ItemError(1, "Timeout", "item took longer than timeoutMs=5"),
            new ItemError(3, "RequestedFailure", "line one\nline two")));
    ChunkResults longsWithErrors = ChunkResults.allFailed(3, "Cancelled", "the job was cancelled");
    ChunkTask rangeTask = new ChunkTask("job-1", 7, 1_000_000_000_000L, "square", "{}", 0, range);
    ChunkTask jsonTask = new ChunkTask("job-2", Long.MAX_VALUE, 42, "sha256", "{\"rounds\":3}", 1500, json);
    FunctionInfo sleep = new FunctionInfo("sleep", FunctionKind.IO, "sleeps args.ms milliseconds");
    FunctionInfo square = new FunctionInfo("square", FunctionKind.CPU, "");
    return Stream.of(
        Named.of("ItemBatch (range)", range),
        Named.of("ItemBatch (json)", json),
        Named.of("ChunkTask (range items)", rangeTask),
        Named.of("ChunkTask (json items)", jsonTask),
        Named.of("ChunkTask (job jar)", new ChunkTask("job-3", 1, 0, "invoice", "{}", 0, json, 2, "ab".repeat(32))),
        Named.of("JarProtocol.FetchJar", new JarProtocol.FetchJar("ab".repeat(32), 524_288, jarFetcher)),
        Named.of("JarProtocol.JarPart", new JarProtocol.JarPart("ab".repeat(32), 0, 3, new byte[] {1, 0, -1}, null)),
        Named.of("JarProtocol.JarPart (failed)", JarProtocol.JarPart.failed("ab".repeat(32), "no jar ab..")),
        Named.of("ChunkResults (longs)", longs),
        Named.of("ChunkResults (json)", texts),
        Named.of("ChunkResults (json with errors)", withErrors),
        Named.of("ChunkResults (longs with errors)", longsWithErrors),
        Named.of("ItemError", new ItemError(12, "InvalidItem", "item is not valid JSON: \u0001")),
        Named.of("FunctionInfo", sleep),
        Named.of("WorkerProtocol.ProcessChunk", new WorkerProtocol.ProcessChunk(jsonTask, job)),
        Named.of("WorkerProtocol.ProcessChunks", new WorkerProtocol.ProcessChunks(List.of(rangeTask, jsonTask), job)),
        Named.of("WorkerProtocol.CancelJob", new WorkerProtocol.CancelJob("job-1")),
        Named.of("WorkerProtocol.Reregister", WorkerProtocol.Reregister.INSTANCE),
        Named.of("JobProtocol.ChunkProcessed", new JobProtocol.ChunkProcessed(7, withErrors, 123_456_789L, worker)),
        Named.of("JobProtocol.ChunksProcessed", new JobProtocol.ChunksProcessed(List.of(
            new JobProtocol.Processed(7, withErrors, 123_456_789L), new JobProtocol.Processed(8, longs, 5)), worker)),
        Named.of("JobProtocol.Processed", new JobProtocol.Processed(9, texts, 0)),
        Named.of("JobProtocol.ChunkReturned", new JobProtocol.ChunkReturned(8, worker)),
        Named.of("JobProtocol.ChunkRefused", new JobProtocol.ChunkRefused(9,
            "a chunk of 2147483647 items exceeds shoal.worker.max-chunk-items (10000) on worker w", worker)),
        Named.of("CoordinatorProtocol.WorkerDemand", new CoordinatorProtocol.WorkerDemand(
            worker, 3, 42, 2, 1, 2, "127.0.0.1:2552", true, List.of(sleep, square))),
        Named.of("CoordinatorProtocol.WorkerDemand (with load)", new CoordinatorProtocol.WorkerDemand(
            worker, 3, 42, 2, 1, 2, "127.0.0.1:2552", false, List.of(sleep),
            new CoordinatorProtocol.WorkerLoad(0.25, 123_456_789L, 9_876L))),
        Named.of("CoordinatorProtocol.WorkerLoad", new CoordinatorProtocol.WorkerLoad(-1, 0, 0)),
        Named.of("CoordinatorProtocol.WorkerLeaving", new CoordinatorProtocol.WorkerLeaving(worker)),
        Named.of("CoordinatorProtocol.WorkerRestarted", new CoordinatorProtocol.WorkerRestarted(worker)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("messages")
  void roundTripsThroughJacksonCbor(Object message) {
    Serialization serialization = SerializationExtension.get(Adapter.toClassic(testKit.system()));
    Serializer serializer = serialization.findSerializerFor(message);
    assertInstanceOf(JacksonCborSerializer.class, serializer, "serializer of " + message.getClass().getName());
    // serialize, unlike the serializer's toBinary, supplies the system that ActorRef fields need
    byte[] bytes = serialization.serialize(message).get();
    Object back = serialization.deserialize(bytes, serializer.identifier(), Serializers.manifestFor(serializer, message)).get();
    assertEquals(message, back);
    assertEquals(message.getClass(), back.getClass());
  }

  /** A worker of the release before the load figures sends demand without them: it still reads, with no load. */
  @Test
  void aDemandWithoutTheLoadFieldReadsWithNoLoad() throws IOException {
    Serialization serialization = SerializationExtension.get(Adapter.toClassic(testKit.system()));
    CoordinatorProtocol.WorkerDemand demand = new CoordinatorProtocol.WorkerDemand(worker, 3, 42, 2, 1, 2, "n", false,
        List.of(), new CoordinatorProtocol.WorkerLoad(0.5, 1, 2));
    Serializer serializer = serialization.findSerializerFor(demand);
    ObjectMapper cbor = JacksonObjectMapperProvider.get(Adapter.toClassic(testKit.system()))
        .getOrCreate("jackson-cbor", Optional.empty());
    ObjectNode tree = (ObjectNode) cbor.readTree(serialization.serialize(demand).get());
    assertTrue(tree.has("load"), "the field the older worker lacks: " + tree);
    tree.remove("load");
    Object back = serialization.deserialize(cbor.writeValueAsBytes(tree), serializer.identifier(),
        Serializers.manifestFor(serializer, demand)).get();
    assertEquals(new CoordinatorProtocol.WorkerDemand(worker, 3, 42, 2, 1, 2, "n", false, List.of()), back);
  }

  /**
   * A chunk's integer results cross as one CBOR byte string, 8 bytes a value, not as an array
   * Jackson parses value by value; an array, as a worker of the previous release sends it, still reads.
   */
  @Test
  void integerResultsCrossAsOneByteStringAndTheArrayFormStillReads() throws IOException {
    Serialization serialization = SerializationExtension.get(Adapter.toClassic(testKit.system()));
    long[] values = new long[10_000];
    for (int i = 0; i < values.length; i++) {
      values[i] = (long) i * i - 5_000;
    }
    values[1] = Long.MIN_VALUE;
    values[2] = Long.MAX_VALUE;
    JobProtocol.Processed processed = new JobProtocol.Processed(7, new ChunkResults(values, null, List.of()), 1);
    Serializer serializer = serialization.findSerializerFor(processed);
    byte[] bytes = serialization.serialize(processed).get();
    ObjectMapper cbor = JacksonObjectMapperProvider.get(Adapter.toClassic(testKit.system()))
        .getOrCreate("jackson-cbor", Optional.empty());
    ObjectNode tree = (ObjectNode) cbor.readTree(bytes);
    assertTrue(tree.get("results").get("longs").isBinary(), "longs as a byte string: " + tree.get("results").get("longs").getNodeType());
    assertTrue(bytes.length < 8 * values.length + 200, bytes.length + " bytes for " + values.length + " longs");

    ObjectNode results = (ObjectNode) tree.get("results");
    results.putArray("longs").addAll(java.util.stream.LongStream.of(values)
        .mapToObj(com.fasterxml.jackson.databind.node.LongNode::valueOf).collect(Collectors.toList()));
    Object back = serialization.deserialize(cbor.writeValueAsBytes(tree), serializer.identifier(),
        Serializers.manifestFor(serializer, processed)).get();
    assertEquals(processed, back);
  }

  /** In JSON (a text format has no byte strings) the values stay an array of numbers. */
  @Test
  void integerResultsInJsonAreAnArrayOfNumbers() throws IOException {
    ObjectMapper json = new ObjectMapper();
    ChunkResults r = new ChunkResults(new long[] {1, -2, Long.MAX_VALUE}, null, List.of());
    String text = json.writeValueAsString(r);
    assertTrue(text.contains("\"longs\":[1,-2," + Long.MAX_VALUE + "]"), text);
    assertEquals(r, json.readValue(text, ChunkResults.class));
  }

  /** A byte string that cannot hold whole longs is refused as damaged, not read short. */
  @Test
  void aByteStringOfLongsOfTheWrongLengthIsRefused() throws IOException {
    ObjectMapper cbor = JacksonObjectMapperProvider.get(Adapter.toClassic(testKit.system()))
        .getOrCreate("jackson-cbor", Optional.empty());
    ObjectNode tree = cbor.createObjectNode();
    tree.put("longs", new byte[12]);
    tree.putArray("errors");
    byte[] damaged = cbor.writeValueAsBytes(tree);
    org.junit.jupiter.api.Assertions.assertThrows(com.fasterxml.jackson.databind.exc.MismatchedInputException.class,
        () -> cbor.readValue(damaged, ChunkResults.class));
    tree.put("longs", new byte[16]);
    assertEquals(2, cbor.readValue(cbor.writeValueAsBytes(tree), ChunkResults.class).size());
  }

  /** A new message that crosses nodes, or a bound API type, must be added to {@link #messages()}, or this fails. */
  @Test
  void everyCborSerializableClassHasARoundTripCase() throws IOException, URISyntaxException, ClassNotFoundException {
    Set<String> covered = messages().map(n -> n.getPayload().getClass().getName()).collect(Collectors.toCollection(TreeSet::new));
    Path dir = Path.of(CborSerializable.class.getProtectionDomain().getCodeSource().getLocation().toURI())
        .resolve("dev/shoal/protocol");
    Set<String> found = new TreeSet<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
        Class<?> c = Class.forName("dev.shoal.protocol." + f.getFileName().toString().replace(".class", ""));
        if (CborSerializable.class.isAssignableFrom(c) && !c.isInterface()) {
          found.add(c.getName());
        }
      }
    }
    // and the API's types, which cannot be marked, bound by name
    testKit.system().settings().config().getConfig("pekko.actor.serialization-bindings").root().keySet().stream()
        .filter(name -> name.startsWith("dev.shoal.api.")).forEach(found::add);
    assertEquals(found, covered, "the CborSerializable classes and the round-trip cases differ");
  }
}
