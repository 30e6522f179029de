package dev.shoal.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.cli.PluginJar;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The plugin function {@code traced}, for tests that must know which worker JVM ran an item and
 * when: an IO function that prints {@code traced start <item> on <pid>} to its node's log, sleeps
 * {@code args.ms}, prints {@code traced done <item> on <pid>} and returns {@code {"item", "pid"}}.
 * The value a job accepted for an item thus names the JVM whose result it kept, and a node's log
 * tells which items it started and finished.
 */
final class Traced {

  static final String FUNCTION = "traced";

  private static final String SOURCE = """
      package plug;

      import com.fasterxml.jackson.databind.JsonNode;
      import com.fasterxml.jackson.databind.node.JsonNodeFactory;
      import com.fasterxml.jackson.databind.node.ObjectNode;
      import dev.shoal.api.FunctionKind;
      import dev.shoal.api.ShoalFunction;

      public final class Traced implements ShoalFunction {
        public String name() { return "traced"; }
        public FunctionKind kind() { return FunctionKind.IO; }
        public String description() { return "test: sleeps args.ms, logs its start and end, returns the item and this JVM's pid"; }
        public JsonNode apply(JsonNode item, JsonNode args) throws InterruptedException {
          long pid = ProcessHandle.current().pid();
          System.out.println("traced start " + item + " on " + pid);
          Thread.sleep(args.path("ms").asLong(0));
          System.out.println("traced done " + item + " on " + pid);
          ObjectNode out = JsonNodeFactory.instance.objectNode();
          out.set("item", item);
          out.put("pid", pid);
          return out;
        }
      }
      """;

  private static final Pattern LINE = Pattern.compile("traced (start|done) (-?\\d+) on \\d+");

  private Traced() {}

  /** Builds the plugin jar into {@code <work>/plugins} and returns that folder. */
  static Path plugins(Path work) throws IOException {
    return PluginJar.build(work.resolve("traced-build"), work.resolve("plugins"), "Traced", SOURCE);
  }

  /** The items {@code node} has started so far, in log order. */
  static List<Long> started(Node node) {
    return items(node.logText(), "start");
  }

  /** The items {@code node} has finished so far, in log order. */
  static List<Long> finished(Node node) {
    return items(node.logText(), "done");
  }

  /** Items started and not finished: those running on {@code node} (if it is stopped or dead: at that moment). */
  static List<Long> running(Node node) {
    List<Long> out = new ArrayList<>(started(node));
    out.removeAll(finished(node));
    return out;
  }

  /** The pid in a {@code traced} result line. */
  static long pid(JsonNode result) {
    return result.get("value").get("pid").asLong();
  }

  private static List<Long> items(String log, String what) {
    List<Long> out = new ArrayList<>();
    Matcher m = LINE.matcher(log);
    while (m.find()) {
      if (m.group(1).equals(what)) {
        out.add(Long.parseLong(m.group(2)));
      }
    }
    return out;
  }
}
