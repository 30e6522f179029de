package dev.shoal.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.shoal.client.Items;
import dev.shoal.coordinator.job.JobRequest;
import dev.shoal.coordinator.job.RangeSource;
import dev.shoal.coordinator.job.Scheduling;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Option;

/** The options that describe a job, shared by {@code run} and {@code submit}. */
public final class JobOptions {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(names = "--fn", required = true, paramLabel = "FUNCTION", description = "the function to apply (see `shoal functions`)")
  String function;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Input input;

  static final class Input {
    @Option(names = "--range", paramLabel = "A:B", description = "the integers A..B-1")
    String range;

    @Option(names = "--items", paramLabel = "FILE", description = "JSON Lines, one item per line; - for stdin")
    String items;
  }

  @Option(names = "--arg", paramLabel = "KEY=VALUE", description = "a job argument; VALUE is JSON if it parses, else a string (repeatable)")
  List<String> args = new ArrayList<>();

  @Option(names = "--chunk-size", paramLabel = "K", description = "items per chunk (default: automatic)")
  int chunkSize;

  @Option(names = "--timeout-ms", paramLabel = "T", description = "fail an item that runs longer than T ms")
  long timeoutMs;

  @Option(names = "--unordered", description = "write results as they complete, not in input order")
  boolean unordered;

  @Option(names = "--out", paramLabel = "FILE", description = "write results here (default: stdout)")
  Path out;

  // --- the job's place among other jobs (see Scheduling) ---

  @Option(names = "--priority", paramLabel = "N", description = "free slots go to the highest priority first (default: 0)")
  int priority = Scheduling.DEFAULT.priority();

  @Option(names = "--weight", paramLabel = "N", description = "the job's share of the slots among jobs of its priority under fair scheduling (default: 1)")
  int weight = Scheduling.DEFAULT.weight();

  @Option(names = "--max-in-flight", paramLabel = "N", description = "at most N items of this job running at once across the cluster")
  Integer maxInFlight;

  @Option(names = "--rate-per-second", paramLabel = "R", description = "at most R items of this job started per second")
  Double ratePerSecond;

  /** The scheduling options, checked: a bad one is a usage error naming the option. */
  public Scheduling scheduling() {
    if (weight < 1) {
      throw new UsageException("--weight must be a positive integer, got " + weight);
    }
    if (maxInFlight != null && maxInFlight < 1) {
      throw new UsageException("--max-in-flight must be a positive integer, got " + maxInFlight);
    }
    if (ratePerSecond != null && (!(ratePerSecond > 0) || ratePerSecond.isInfinite())) {
      throw new UsageException("--rate-per-second must be a positive number, got " + ratePerSecond);
    }
    return new Scheduling(priority, weight, maxInFlight == null ? 0 : maxInFlight,
        ratePerSecond == null ? 0 : ratePerSecond);
  }

  public JobRequest request() {
    if (chunkSize < 0) {
      throw new UsageException("--chunk-size must be positive, got " + chunkSize);
    }
    if (timeoutMs < 0) {
      throw new UsageException("--timeout-ms must be positive, got " + timeoutMs);
    }
    return new JobRequest(function, argsJson(), chunkSize, !unordered, timeoutMs)
        .withScheduling(scheduling());
  }

  public String argsJson() {
    ObjectNode o = JSON.createObjectNode();
    for (String a : args) {
      int eq = a.indexOf('=');
      if (eq <= 0) {
        throw new UsageException("bad --arg '" + a + "': expected KEY=VALUE");
      }
      String value = a.substring(eq + 1);
      JsonNode v;
      try {
        v = JSON.readTree(value);
        if (v == null || v.isMissingNode()) {
          v = TextNode.valueOf(value);
        }
      } catch (IOException e) {
        v = TextNode.valueOf(value);
      }
      o.set(a.substring(0, eq), v);
    }
    return o.toString();
  }

  /** The range as {start, end}, or null when the items come from a file. */
  public long[] range() {
    if (input.range == null) {
      return null;
    }
    String r = input.range;
    int colon = r.indexOf(':');
    if (colon < 0) {
      throw new UsageException("bad --range '" + r + "': expected A:B, the integers A..B-1");
    }
    try {
      long a = Long.parseLong(r.substring(0, colon).trim());
      long b = Long.parseLong(r.substring(colon + 1).trim());
      if (b < a) {
        throw new UsageException("bad --range '" + r + "': the end " + b + " is before the start " + a);
      }
      RangeSource.problem(a, b).ifPresent(problem -> {
        throw new UsageException("bad --range '" + r + "': " + problem);
      });
      return new long[] {a, b};
    } catch (NumberFormatException e) {
      throw new UsageException("bad --range '" + r + "': A and B must be integers");
    }
  }

  /** The path of --items, or null for stdin or a range. */
  public Path itemsFile() {
    if (input.items == null || input.items.equals("-")) {
      return null;
    }
    Path p = Path.of(input.items);
    if (!Files.isReadable(p) || Files.isDirectory(p)) {
      throw new UsageException("cannot read --items file '" + input.items + "'");
    }
    return p;
  }

  public boolean itemsFromStdin() {
    return "-".equals(input.items);
  }

  public Items items() {
    long[] range = range();
    if (range != null) {
      return Items.range(range[0], range[1]);
    }
    Path file = itemsFile();
    try {
      BufferedReader reader = file == null
          ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8), 1 << 16)
          : Files.newBufferedReader(file, StandardCharsets.UTF_8);
      return Items.lines(reader);
    } catch (IOException e) {
      throw new UsageException("cannot read --items file '" + input.items + "': " + e.getMessage());
    }
  }

  public Path out() {
    return out;
  }
}
