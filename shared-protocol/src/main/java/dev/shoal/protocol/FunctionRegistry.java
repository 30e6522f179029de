package dev.shoal.protocol;

import dev.shoal.api.FunctionInfo;
import dev.shoal.api.ShoalFunction;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The functions a node can run: every {@link ShoalFunction} that {@link ServiceLoader} finds on the
 * class path and in the jars of a plugins folder. Immutable once built.
 *
 * <p>Caveat: a plugin jar is read once at start-up; a node must be restarted to see a new jar. Two
 * functions with one name: the first found wins (class path before plugins) and the clash is
 * reported by {@link #warnings()}.
 */
public final class FunctionRegistry {

  private final Map<String, ShoalFunction> functions;
  private final List<String> warnings;
  /** Functions that live only as long as one call of the Java API (its in-process lambdas). */
  private final Map<String, ShoalFunction> transients = new java.util.concurrent.ConcurrentHashMap<>();

  private FunctionRegistry(Map<String, ShoalFunction> functions, List<String> warnings) {
    this.functions = Collections.unmodifiableMap(functions);
    this.warnings = List.copyOf(warnings);
  }

  /**
   * Loads the functions of the class path and of every {@code *.jar} in {@code pluginsDir} (which may
   * be null or missing). Test-only functions are kept only when {@code enableTestFunctions}.
   */
  public static FunctionRegistry load(Path pluginsDir, boolean enableTestFunctions) {
    Map<String, ShoalFunction> found = new TreeMap<>();
    List<String> warnings = new ArrayList<>();
    ClassLoader parent = FunctionRegistry.class.getClassLoader();
    collect(ServiceLoader.load(ShoalFunction.class, parent), found, warnings, enableTestFunctions);
    if (pluginsDir != null && Files.isDirectory(pluginsDir)) {
      List<Path> jars = new ArrayList<>();
      try (Stream<Path> files = Files.list(pluginsDir)) {
        files.filter(p -> p.getFileName().toString().endsWith(".jar")).sorted().forEach(jars::add);
      } catch (IOException e) {
        throw new IllegalArgumentException("cannot read plugins folder " + pluginsDir + ": " + e.getMessage(), e);
      }
      // each jar in a loader of its own that sees only the API: two jars never see each other's classes
      for (Path jar : jars) {
        PluginJars.Loaded loaded = PluginJars.load(jar);
        loaded.problems().forEach(p -> warnings.add("skipped a function that could not be loaded: " + p));
        for (ShoalFunction f : loaded.functions()) {
          add(f, found, warnings, enableTestFunctions);
        }
      }
    }
    return new FunctionRegistry(found, warnings);
  }

  /** A registry of exactly these functions, for in-process use (tests, the Java API's lambdas). */
  public static FunctionRegistry of(Collection<ShoalFunction> functions) {
    Map<String, ShoalFunction> map = new TreeMap<>();
    for (ShoalFunction f : functions) {
      map.putIfAbsent(f.name(), f);
    }
    return new FunctionRegistry(map, List.of());
  }

  /** This registry plus {@code extra}; an extra function replaces one of the same name. */
  public FunctionRegistry with(ShoalFunction extra) {
    Map<String, ShoalFunction> map = new TreeMap<>(functions);
    map.put(extra.name(), extra);
    return new FunctionRegistry(map, warnings);
  }

  private static void collect(
      ServiceLoader<ShoalFunction> loader, Map<String, ShoalFunction> found, List<String> warnings, boolean tests) {
    var it = loader.iterator();
    while (true) {
      ShoalFunction f;
      try {
        if (!it.hasNext()) {
          return;
        }
        f = it.next();
      } catch (ServiceConfigurationError e) {
        warnings.add("skipped a function that could not be loaded: " + e.getMessage());
        continue;
      }
      add(f, found, warnings, tests);
    }
  }

  private static void add(ShoalFunction f, Map<String, ShoalFunction> found, List<String> warnings, boolean tests) {
    if (f.testOnly() && !tests) {
      return;
    }
    ShoalFunction before = found.putIfAbsent(f.name(), f);
    if (before != null && before.getClass() != f.getClass()) {
      warnings.add("function '" + f.name() + "' of " + f.getClass().getName()
          + " ignored: " + before.getClass().getName() + " has that name");
    }
  }

  public Optional<ShoalFunction> find(String name) {
    ShoalFunction f = functions.get(name);
    return Optional.ofNullable(f != null ? f : transients.get(name));
  }

  /** Adds a function for this process only, until {@link #removeTransient}; its name must be new. */
  public void addTransient(ShoalFunction f) {
    if (functions.containsKey(f.name()) || transients.putIfAbsent(f.name(), f) != null) {
      throw new IllegalArgumentException("function '" + f.name() + "' exists already");
    }
  }

  public void removeTransient(String name) {
    transients.remove(name);
  }

  public Collection<ShoalFunction> all() {
    return functions.values();
  }

  /** The installed functions and the transient ones. */
  public List<FunctionInfo> infos() {
    List<FunctionInfo> out = new ArrayList<>();
    for (ShoalFunction f : functions.values()) {
      out.add(new FunctionInfo(f.name(), f.kind(), f.description()));
    }
    for (ShoalFunction f : transients.values()) {
      out.add(new FunctionInfo(f.name(), f.kind(), f.description()));
    }
    return out;
  }

  public List<String> warnings() {
    return warnings;
  }
}
