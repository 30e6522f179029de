package dev.shoal.cli;

import dev.shoal.api.Ranges;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.shoal.client.Items;
import dev.shoal.api.JobRequest;
import dev.shoal.coordinator.job.RangeSource;
import dev.shoal.api.Retries;
import dev.shoal.api.Scheduling;
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

  // --- retries and the failure budget ---

  @Option(names = "--retries", paramLabel = "N", description = "run an item whose function threw up to N more times")
  int retries;

  @Option(names = "--retry-on", paramLabel = "TYPE",
      description = "retry only this exception type, simple or full class name (repeatable; default: every type)")
  List<String> retryOn = new ArrayList<>();

  @Option(names = "--retry-backoff-ms", paramLabel = "MS",
      description = "wait before the first retry, doubled for each further one, with jitter (default: 100)")
  long retryBackoffMs = Retries.NONE.backoffMs();

  @Option(names = "--max-failures", paramLabel = "N", description = "end the job FAILED once more than N items failed")
  Long maxFailures;

  @Option(names = "--max-failure-rate", paramLabel = "F",
      description = "end the job FAILED once more than this fraction (0 to 1) of its finished items failed")
  Double maxFailureRate;

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
        .withRetries(retries())
        .withScheduling(scheduling());
  }

  /** The retries and failure budget the options ask for, each mistake named by its option. */
  Retries retries() {
    if (retries < 0) {
      throw new UsageException("--retries must be 0 or more, got " + retries);
    }
    if (retryBackoffMs < 0) {
      throw new UsageException("--retry-backoff-ms must be 0 or more milliseconds, got " + retryBackoffMs);
    }
    if (!retryOn.isEmpty() && retries == 0) {
      throw new UsageException("--retry-on needs --retries N: how many times an item runs again");
    }
    for (String type : retryOn) {
      if (type.isBlank()) {
        throw new UsageException("--retry-on needs an exception type name, got an empty one");
      }
    }
    if (maxFailures != null && maxFailures < 0) {
      throw new UsageException("--max-failures must be 0 or more items, got " + maxFailures);
    }
    if (maxFailureRate != null && !(maxFailureRate >= 0 && maxFailureRate <= 1)) {
      throw new UsageException("--max-failure-rate must be a fraction from 0 to 1, got " + maxFailureRate);
    }
    return Retries.NONE.withRetries(retries, retryBackoffMs, retryOn)
        .withFailureBudget(maxFailures == null ? -1 : maxFailures, maxFailureRate == null ? -1 : maxFailureRate);
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
      Ranges.problem(a, b).ifPresent(problem -> {
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
