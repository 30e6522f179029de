package dev.shoal.protocol;

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

/**
 * Real plugin jars for tests, compiled from source at test time: a function class the test's own
 * class path does not hold, so a node can only run it from the jar. Shipped in this module's test
 * jar for the other modules' tests.
 */
public final class TestJars {

  private TestJars() {}

  /**
   * A jar in {@code work} whose class {@code plug.Impl} is the CPU function {@code name} answering the
   * text {@code body} (a Java expression of type String over {@code item} and {@code args}), with
   * {@code members} added to the class; {@code services} is the services file's text (null: none).
   */
  public static Path function(Path work, String file, String name, String body, String members, String services)
      throws IOException {
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
    if (!ok) {
      throw new IllegalStateException("the test jar's source does not compile: " + out);
    }
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

  /** A jar of the function {@code name} answering {@code body}, listed in its services file. */
  public static Path function(Path work, String file, String name, String body) throws IOException {
    return function(work, file, name, body, "", "plug.Impl\n");
  }
}
