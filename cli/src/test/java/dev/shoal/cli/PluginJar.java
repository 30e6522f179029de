package dev.shoal.cli;

import com.fasterxml.jackson.core.TreeNode;
import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.api.ShoalFunction;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Builds a plugin jar the way a user would: a {@link ShoalFunction} compiled against the SPI, its
 * class and a {@code META-INF/services} entry in a jar. Its function {@code triple} returns three
 * times an integer item.
 */
public final class PluginJar {

  public static final String FUNCTION = "triple";

  private static final String SOURCE = """
      package plug;

      import com.fasterxml.jackson.databind.JsonNode;
      import com.fasterxml.jackson.databind.node.LongNode;
      import dev.shoal.api.FunctionKind;
      import dev.shoal.api.ShoalFunction;

      public final class Triple implements ShoalFunction {
        public String name() { return "triple"; }
        public FunctionKind kind() { return FunctionKind.CPU; }
        public String description() { return "plugin test: three times the item"; }
        public JsonNode apply(JsonNode item, JsonNode args) { return LongNode.valueOf(3 * item.longValue()); }
      }
      """;

  private PluginJar() {}

  /** Writes {@code triple.jar} into {@code pluginsDir} (created if missing) and returns the folder. */
  public static Path build(Path work, Path pluginsDir) throws IOException {
    return build(work, pluginsDir, "Triple", SOURCE);
  }

  /**
   * Compiles {@code source}, the class {@code plug.<simpleName>} implementing {@link ShoalFunction},
   * into {@code <simpleName>.jar} (lower case) in {@code pluginsDir}; returns the folder.
   */
  public static Path build(Path work, Path pluginsDir, String simpleName, String source) throws IOException {
    Path src = work.resolve("src/plug/" + simpleName + ".java");
    Path classes = work.resolve("classes");
    Files.createDirectories(src.getParent());
    Files.createDirectories(classes);
    Files.createDirectories(pluginsDir);
    Files.writeString(src, source);

    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    StringWriter diagnostics = new StringWriter();
    List<String> options = List.of("--release", "17", "-d", classes.toString(), "-cp", classPath());
    boolean ok = javac.getTask(diagnostics, null, null, options, null,
        javac.getStandardFileManager(null, null, StandardCharsets.UTF_8).getJavaFileObjects(src.toFile())).call();
    if (!ok) {
      throw new IllegalStateException("the plugin did not compile: " + diagnostics);
    }

    String jarName = simpleName.toLowerCase(java.util.Locale.ROOT) + ".jar";
    try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(pluginsDir.resolve(jarName)))) {
      add(jar, "plug/" + simpleName + ".class", Files.readAllBytes(classes.resolve("plug/" + simpleName + ".class")));
      add(jar, "META-INF/services/" + ShoalFunction.class.getName(), ("plug." + simpleName + "\n").getBytes(StandardCharsets.UTF_8));
    }
    return pluginsDir;
  }

  private static void add(JarOutputStream jar, String name, byte[] bytes) throws IOException {
    jar.putNextEntry(new JarEntry(name));
    OutputStream out = jar;
    out.write(bytes);
    jar.closeEntry();
  }

  /** The jars a plugin compiles against: the SPI and Jackson, wherever the build put them. */
  private static String classPath() {
    return Stream.of(ShoalFunction.class, JsonNode.class, TreeNode.class)
        .map(PluginJar::location)
        .distinct()
        .collect(Collectors.joining(File.pathSeparator));
  }

  private static String location(Class<?> c) {
    try {
      return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
