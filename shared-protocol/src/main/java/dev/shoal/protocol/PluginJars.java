package dev.shoal.protocol;

import dev.shoal.api.FunctionInfo;
import dev.shoal.api.ShoalFunction;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * Loads the functions of one user jar in a class loader of its own, whose parent shows only what a
 * function is written against: the JDK, {@code dev.shoal.api} and Jackson. Two jars that both
 * define {@code plug.Impl}, or two versions of one jar, therefore load side by side, and a jar sees
 * none of the node's own classes (Pekko, Logback, Shoal's internals): what it needs beyond the API it
 * brings with it.
 *
 * <p>Guarantee: {@link #load} never throws for a bad jar; a jar that does not open, lists no
 * function or whose function cannot be built is reported by {@link Loaded#problems()}.
 *
 * <p>Caveat: a loaded jar's classes stay in memory as long as one of its functions is referenced.
 */
public final class PluginJars {

  /** The packages a user jar sees from the node, besides the JDK's. */
  private static final List<String> SHARED = List.of("dev.shoal.api.", "com.fasterxml.jackson.");

  /** The functions of one jar, and what went wrong loading the rest of it. */
  public record Loaded(List<ShoalFunction> functions, List<String> problems) {

    /** The function named {@code name}, if the jar holds one. */
    public java.util.Optional<ShoalFunction> find(String name) {
      return functions.stream().filter(f -> name.equals(f.name())).findFirst();
    }
  }

  /** What a jar holds, as {@link #describe} reads it. */
  public record Described(List<FunctionInfo> functions, List<String> problems) {}

  private PluginJars() {}

  /** The functions {@code jar} lists in {@code META-INF/services/dev.shoal.api.ShoalFunction}. */
  public static Loaded load(Path jar) {
    URLClassLoader loader = loader(jar);
    return loader == null ? unreadable(jar) : load(jar, loader);
  }

  /**
   * What {@code jar}'s functions are (name, kind, description), its class loader closed again: for a
   * node that describes a jar it does not run. Builds each function once, as {@link #load} does.
   */
  public static Described describe(Path jar) {
    URLClassLoader loader = loader(jar);
    Loaded loaded = loader == null ? unreadable(jar) : load(jar, loader);
    List<FunctionInfo> infos = new ArrayList<>();
    List<String> problems = new ArrayList<>(loaded.problems());
    for (ShoalFunction f : loaded.functions()) {
      try {
        infos.add(new FunctionInfo(f.name(), f.kind(), f.description()));
      } catch (RuntimeException | LinkageError e) {
        problems.add(jar.getFileName() + ": " + f.getClass().getName() + " cannot describe itself: " + reason(e));
      }
    }
    if (loader != null) {
      try {
        loader.close();
      } catch (IOException e) {
        // the jar was read; a loader that does not close leaves only an open file behind
      }
    }
    return new Described(List.copyOf(infos), List.copyOf(problems));
  }

  private static URLClassLoader loader(Path jar) {
    try {
      return new URLClassLoader("plugin:" + jar.getFileName(), new URL[] {jar.toUri().toURL()}, API_ONLY);
    } catch (MalformedURLException e) {
      return null;
    }
  }

  private static Loaded unreadable(Path jar) {
    return new Loaded(List.of(), List.of("cannot read " + jar));
  }

  private static Loaded load(Path jar, URLClassLoader loader) {
    List<ShoalFunction> functions = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    var it = ServiceLoader.load(ShoalFunction.class, loader).iterator();
    while (true) {
      try {
        if (!it.hasNext()) {
          break;
        }
        functions.add(it.next());
      } catch (ServiceConfigurationError | LinkageError e) {
        problems.add(jar.getFileName() + ": " + reason(e));
        // an error in the services file itself ends the iteration; a bad provider only skips it
        if (e instanceof ServiceConfigurationError && e.getCause() == null) {
          break;
        }
      }
    }
    if (functions.isEmpty() && problems.isEmpty()) {
      problems.add(jar.getFileName() + ": lists no function in META-INF/services/" + ShoalFunction.class.getName());
    }
    return new Loaded(List.copyOf(functions), List.copyOf(problems));
  }

  private static String reason(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String msg = e.getMessage();
    return root == e ? msg : msg + " (" + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
  }

  /** The parent of every plugin loader: the JDK's classes, and of the node's only the shared packages. */
  private static final ClassLoader API_ONLY = new ClassLoader("shoal-api-only", ClassLoader.getPlatformClassLoader()) {
    private final ClassLoader node = PluginJars.class.getClassLoader();

    @Override
    protected Class<?> findClass(String name) throws ClassNotFoundException {
      if (shared(name)) {
        return node.loadClass(name);
      }
      throw new ClassNotFoundException(name + " (a plugin sees the JDK, dev.shoal.api and Jackson; bundle what else it needs)");
    }

    @Override
    protected URL findResource(String name) {
      return sharedResource(name) ? node.getResource(name) : null;
    }

    @Override
    protected Enumeration<URL> findResources(String name) throws IOException {
      return sharedResource(name) ? node.getResources(name) : java.util.Collections.emptyEnumeration();
    }

    private boolean shared(String className) {
      return SHARED.stream().anyMatch(className::startsWith);
    }

    private boolean sharedResource(String path) {
      // the API's own service file must not show the node's built-in functions to every plugin
      return !path.startsWith("META-INF/") && shared(path.replace('/', '.'));
    }
  };
}
