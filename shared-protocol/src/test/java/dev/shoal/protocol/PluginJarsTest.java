package dev.shoal.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.shoal.api.ShoalFunction;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PluginJarsTest {

  @TempDir
  Path work;

  /** A jar whose class {@code plug.Impl} is the function {@code name}, answering {@code body} (Java returning a String). */
  private Path jar(String file, String name, String body, String services) throws IOException {
    return jar(file, name, body, "", services);
  }

  /** As above, with more members in the class. */
  private Path jar(String file, String name, String body, String members, String services) throws IOException {
    String source = """
        package plug;
        import com.fasterxml.jackson.databind.JsonNode;
        import com.fasterxml.jackson.databind.node.TextNode;
        import dev.shoal.api.FunctionKind;
        import dev.shoal.api.ShoalFunction;
        public final class Impl implements ShoalFunction {
          public String name() { return "%s"; }
          public FunctionKind kind() { return FunctionKind.CPU; }
          public JsonNode apply(JsonNode item, JsonNode args) throws Exception { return TextNode.valueOf(%s); }
          %s
        }
        """.formatted(name, body, members);
    Path dir = Files.createDirectories(work.resolve(file + "-build/plug"));
    Files.writeString(dir.resolve("Impl.java"), source);
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    StringWriter out = new StringWriter();
    boolean ok = javac.getTask(out, null, null,
        List.of("--release", "17", "-d", work.resolve(file + "-classes").toString(), "-cp", System.getProperty("java.class.path")),
        null, javac.getStandardFileManager(null, null, StandardCharsets.UTF_8).getJavaFileObjects(dir.resolve("Impl.java").toFile()))
        .call();
    assertTrue(ok, out.toString());
    Path jar = work.resolve(file);
    try (JarOutputStream j = new JarOutputStream(Files.newOutputStream(jar))) {
      j.putNextEntry(new JarEntry("plug/Impl.class"));
      j.write(Files.readAllBytes(work.resolve(file + "-classes/plug/Impl.class")));
      if (services != null) {
        j.putNextEntry(new JarEntry("META-INF/services/" + ShoalFunction.class.getName()));
        j.write(services.getBytes(StandardCharsets.UTF_8));
      }
    }
    return jar;
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
