package dev.shoal.cli.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.typesafe.config.ConfigFactory;
import dev.shoal.protocol.ChunkTask;
import dev.shoal.protocol.ItemBatch;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.SerializerWithStringManifest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import scala.util.Try;

/**
 * What a node does with bytes a hostile peer could send, through the serialization every node
 * runs (the nodes' {@code application.conf}): Jackson CBOR for Shoal's messages only, no Java
 * serialization, no class named by the sender.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WireSafetyTest {

  private ActorTestKit kit;
  private Serialization serialization;

  @BeforeAll
  void start() {
    kit = ActorTestKit.create("wire", ConfigFactory.parseString("pekko.actor.provider = local\npekko.coordinated-shutdown.exit-jvm = off").withFallback(ConfigFactory.load()));
    serialization = SerializationExtension.get(kit.system().classicSystem());
  }

  @AfterAll
  void stop() {
    kit.shutdownTestKit();
  }

  @Test
  void aMessageNamingAnArbitraryClassIsRefused() throws Exception {
    Serializer cbor = serialization.serializerFor(ChunkTask.class);
    assertTrue(cbor instanceof SerializerWithStringManifest, cbor.getClass().getName());
    byte[] payload = new ObjectMapper(new CBORFactory()).writeValueAsBytes(Map.of("command", "touch /tmp/owned"));
    for (String gadget : new String[] {"java.lang.ProcessBuilder", "java.util.HashMap",
        "org.apache.pekko.actor.ActorSystem", "javax.script.ScriptEngineManager"}) {
      Try<Object> decoded = serialization.deserialize(payload, cbor.identifier(), gadget);
      assertTrue(decoded.isFailure(), gadget + " must not be made from the wire, got " + decoded);
    }
  }

  @Test
  void aTypeHintInsideAShoalMessageIsJustUnknownData() throws Exception {
    Serializer cbor = serialization.serializerFor(ChunkTask.class);
    Map<String, Object> crafted = new LinkedHashMap<>();
    crafted.put("@class", "java.lang.ProcessBuilder");
    crafted.put("jobId", "j");
    crafted.put("leaseId", 1);
    crafted.put("firstIndex", 0);
    crafted.put("function", "echo");
    crafted.put("argsJson", "{}");
    crafted.put("timeoutMs", 0);
    crafted.put("items", Map.of("@class", "java.lang.ProcessBuilder", "command", "id"));
    byte[] bytes = new ObjectMapper(new CBORFactory()).writeValueAsBytes(crafted);
    Try<Object> decoded = serialization.deserialize(bytes, cbor.identifier(), ChunkTask.class.getName());
    // read as the plain ChunkTask it claims to be: "@class" is an unknown field, never a class to make
    assertTrue(decoded.isSuccess(), decoded.toString());
    ChunkTask task = (ChunkTask) decoded.get();
    assertEquals("echo", task.function());
    assertNotNull(task.items());
    assertEquals(ItemBatch.class, task.items().getClass());
  }

  @Test
  void javaSerializationIsOff() throws Exception {
    assertEquals("off", kit.system().settings().config().getString("pekko.actor.allow-java-serialization"));
    Serializer forAnything = serialization.serializerFor(java.util.ArrayList.class);
    assertTrue(!(forAnything instanceof org.apache.pekko.serialization.JavaSerializer), forAnything.getClass().getName());
  }
}
