package dev.shoal.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.shoal.api.ShoalFunction;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PluginJarsTest {

  @TempDir
  Path work;

  /** A jar whose class {@code plug.Impl} is the function {@code name}, answering {@code body} (Java returning a String). */
  private Path jar(String file, String name, String body, String services) throws IOException {
    return TestJars.function(work, file, name, body, "", services);
  }

  private Path jar(String file, String name, String body, String members, String services) throws IOException {
    return TestJars.function(work, file, name, body, members, services);
  }

  @Test
  void twoJarsWithTheSameClassNameLoadSideBySide() throws Exception {
    ShoalFunction one = PluginJars.load(jar("one.jar", "wordcount", "\"v1:\" + item.asText()", "plug.Impl\n"))
        .functions().get(0);
    ShoalFunction two = PluginJars.load(jar("two.jar", "wordcount", "\"v2:\" + item.asText()", "plug.Impl\n"))
        .functions().get(0);
    assertEquals("v1:x", one.apply(TextNode.valueOf("x"), null).asText());
    assertEquals("v2:x", two.apply(TextNode.valueOf("x"), null).asText());
    assertTrue(one.getClass() != two.getClass(), "one class name, two classes");
  }

  @Test
  void aJarSeesTheApiAndJacksonButNotTheNodesOwnClasses() throws Exception {
    ShoalFunction probe = PluginJars.load(jar("probe.jar", "probe",
        "probe(\"org.apache.pekko.actor.typed.ActorSystem\") + probe(\"dev.shoal.protocol.ChunkTask\") "
            + "+ probe(\"dev.shoal.api.TypedFunction\") + probe(\"com.fasterxml.jackson.databind.ObjectMapper\") "
            + "+ probe(\"java.util.List\")",
        "static String probe(String c) { try { Class.forName(c); return \"+\"; } catch (ClassNotFoundException e) { return \"-\"; } }",
        "plug.Impl\n")).functions().get(0);
    assertEquals("--+++", probe.apply(TextNode.valueOf("x"), null).asText(),
        "Pekko and Shoal's protocol hidden; the API, Jackson and the JDK seen");
  }

  @Test
  void aJarWithoutAServicesEntryIsAProblemNotAnException() throws Exception {
    PluginJars.Loaded loaded = PluginJars.load(jar("bare.jar", "bare", "\"\"", null));
    assertEquals(List.of(), loaded.functions());
    assertEquals(List.of("bare.jar: lists no function in META-INF/services/dev.shoal.api.ShoalFunction"), loaded.problems());
  }

  @Test
  void aServicesEntryNamingAMissingClassIsAProblemNamingIt() throws Exception {
    PluginJars.Loaded loaded = PluginJars.load(jar("missing.jar", "m", "\"\"", "plug.Nowhere\n"));
    assertEquals(List.of(), loaded.functions());
    assertEquals(1, loaded.problems().size(), loaded.problems().toString());
    assertTrue(loaded.problems().get(0).startsWith("missing.jar: ") && loaded.problems().get(0).contains("plug.Nowhere"),
        loaded.problems().toString());
  }

  @Test
  void aFileThatIsNotAJarIsAProblem() throws Exception {
    Path junk = Files.writeString(work.resolve("junk.jar"), "not a zip");
    PluginJars.Loaded loaded = PluginJars.load(junk);
    assertEquals(List.of(), loaded.functions());
    assertEquals(1, loaded.problems().size(), loaded.problems().toString());
  }
}
