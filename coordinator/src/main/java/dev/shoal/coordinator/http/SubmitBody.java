package dev.shoal.coordinator.http;

import dev.shoal.api.Ranges;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import dev.shoal.coordinator.job.ItemSource;
import dev.shoal.coordinator.job.JobLimits;
import dev.shoal.api.JarInfo;
import dev.shoal.api.JobRequest;
import dev.shoal.coordinator.job.RangeSource;
import dev.shoal.api.Retries;
import dev.shoal.api.Scheduling;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Reads a {@code POST /jobs} body:
 * {@code {"function": F, "items": [..] | "range": {"start": A, "end": B} | "upload": true, "args": {..}, "chunkSize": K,
 * "ordered": true, "timeoutMs": T}}, for retries and the failure budget {@code "retries": {"max": N,
 * "backoffMs": B, "maxBackoffMs": M, "jitter": J, "on": [types]}, "maxFailures": F, "maxFailureRate": R,
 * "minItemsForRate": K} (see {@link Retries}), and the job's place among others: {@code "priority": P,
 * "weight": W, "maxInFlight": M, "ratePerSecond": R} (see {@link Scheduling}). One pass over the body checks all of it and counts the items
 * without building them; the items are read again, lazily, by the job ({@link JsonArraySource}).
 *
 * <p>Every mistake is an {@link ApiError} 400 naming the field and what was wrong with it. A field
 * given as {@code null} counts as not given; unknown and repeated fields are mistakes, so that a
 * misspelt {@code chunksize} is not silently ignored.
 *
 * <p>Guarantees: the body is held to {@link JobLimits} while it is read, before anything is built
 * from it: the parser stops at the first value nested too deep or a string or number too long, an
 * item or the args over their byte limits is refused by its size alone, and so is a chunk size over
 * {@code max-chunk-items} or a range whose count does not fit a {@code long}.
 */
final class SubmitBody {

  /**
   * A checked job: what to compute and its items; {@code source} is null for a job whose items are
   * uploaded after it ({@code "upload": true}).
   */
  record Submission(JobRequest request, ItemSource source) {
    boolean upload() {
      return source == null;
    }
  }

  static final List<String> FIELDS = List.of("function", "jar", "items", "range", "upload", "args", "chunkSize", "ordered",
      "timeoutMs");

  /** Retries and the failure budget (issue 11), read by {@link #readRetryField}. */
  static final List<String> RETRY_FIELDS = List.of("retries", "maxFailures", "maxFailureRate", "minItemsForRate");

  static final List<String> RETRIES_FIELDS = List.of("max", "backoffMs", "maxBackoffMs", "jitter", "on");

  /** The fields of the job's {@link Scheduling}, accepted beside {@link #FIELDS}. */
  static final List<String> SCHEDULING_FIELDS = List.of("priority", "weight", "maxInFlight", "ratePerSecond");

  private String function;
  private String jar;
  private int itemsStart = -1;
  private long itemsCount;
  private long[] range;
  private boolean upload;
  private String args = "{}";
  private int chunkSize;
  private boolean ordered = true;
  private long timeoutMs;
  private Retries retries = Retries.NONE;

  private int priority = Scheduling.DEFAULT.priority();
  private int weight = Scheduling.DEFAULT.weight();
  private int maxInFlight = Scheduling.DEFAULT.maxInFlight();
  private double ratePerSecond = Scheduling.DEFAULT.ratePerSecond();

  private final byte[] body;
  private final JobLimits limits;

  private SubmitBody(byte[] body, JobLimits limits) {
    this.body = body;
    this.limits = limits;
  }

  static Submission parse(byte[] body, JobLimits limits) {
    SubmitBody b = new SubmitBody(body, limits);
    try (JsonParser p = limits.bodyFactory().createParser(body)) {
      b.read(p);
    } catch (StreamConstraintsException e) {
      throw ApiError.badRequest(limits.overLimit("the job's items or args", e));
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      throw ApiError.badRequest("the body is not valid JSON: " + e.getOriginalMessage()
          + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
    } catch (IOException e) {
      throw ApiError.badRequest("cannot read the body: " + e.getMessage());
    }
    return b.submission();
  }

  private void read(JsonParser p) throws IOException {
    if (p.nextToken() != JsonToken.START_OBJECT) {
      throw ApiError.badRequest("the body must be a JSON object such as "
          + "{\"function\": \"sha256\", \"range\": {\"start\": 0, \"end\": 100}}");
    }
    if (p.currentTokenLocation().getByteOffset() < 0) {
      // Jackson reads UTF-16 and UTF-32 too, but as characters: the items would have no byte offsets
      throw ApiError.badRequest("the body must be JSON in UTF-8");
    }
    Set<String> seen = new HashSet<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      if (!FIELDS.contains(name) && !RETRY_FIELDS.contains(name) && !SCHEDULING_FIELDS.contains(name)) {
        throw ApiError.badRequest("unknown field '" + name + "'; a job has " + String.join(", ", FIELDS)
            + ", " + String.join(", ", RETRY_FIELDS) + ", " + String.join(", ", SCHEDULING_FIELDS));
      }
      if (!seen.add(name)) {
        throw ApiError.badRequest("field '" + name + "' is given twice");
      }
      if (p.nextToken() == JsonToken.VALUE_NULL) {
        continue;
      }
      if (RETRY_FIELDS.contains(name)) {
        readRetryField(name, p);
        continue;
      }
      switch (name) {
        case "priority" -> priority = (int) integerWithin(p, "priority", Integer.MIN_VALUE, "an integer");
        case "weight" -> weight = (int) integerWithin(p, "weight", 1, "a positive integer");
        case "maxInFlight" -> maxInFlight = (int) integerWithin(p, "maxInFlight", 1, "a positive integer");
        case "ratePerSecond" -> ratePerSecond = positiveNumber(p, "ratePerSecond");
        case "function" -> function = function(p);
        case "jar" -> jar = jar(p);
        case "items" -> items(p);
        case "range" -> range = range(p);
        case "upload" -> upload = bool(p, "upload");
        case "args" -> args = args(p);
        case "chunkSize" -> chunkSize = chunkSize(p);
        case "ordered" -> ordered = bool(p, "ordered");
        case "timeoutMs" -> timeoutMs = nonNegative(p, "timeoutMs", Long.MAX_VALUE, "0 (none) or a positive number of milliseconds");
        default -> throw new IllegalStateException("field " + name + " is in FIELDS but not read");
      }
    }
    if (p.nextToken() != null) {
      throw ApiError.badRequest("the body has more after the job's JSON object");
    }
  }

  private Submission submission() {
    if (function == null) {
      throw ApiError.badRequest("function is missing: name the function to apply (GET /functions lists them)");
    }
    int inputs = (itemsStart >= 0 ? 1 : 0) + (range != null ? 1 : 0) + (upload ? 1 : 0);
    if (inputs > 1) {
      throw ApiError.badRequest("give one of items, range or upload, not more");
    }
    if (inputs == 0) {
      throw ApiError.badRequest("the items are missing: give items (a JSON array), range ({\"start\": A, \"end\": B}) "
          + "or upload (true, then PUT the items as JSON Lines to /jobs/{id}/items)");
    }
    ItemSource source = upload ? null
        : range != null ? new RangeSource(range[0], range[1])
        : new JsonArraySource(body, itemsStart, itemsCount);
    return new Submission(new JobRequest(function, args, chunkSize, ordered, timeoutMs).withRetries(retries)
        .withScheduling(new Scheduling(priority, weight, maxInFlight, ratePerSecond)).withJar(jar), source);
  }

  // --- retries and the failure budget ---

  private void readRetryField(String name, JsonParser p) throws IOException {
    switch (name) {
      case "retries" -> retries = retriesObject(p);
      case "maxFailures" -> {
        long max = nonNegative(p, "maxFailures", Long.MAX_VALUE, "0 or more items");
        retries = checked(() -> retries.withFailureBudget(max, retries.maxFailureRate()));
      }
      case "maxFailureRate" -> {
        double rate = fraction(p, "maxFailureRate");
        retries = checked(() -> retries.withFailureBudget(retries.maxFailures(), rate));
      }
      case "minItemsForRate" -> {
        long min = nonNegative(p, "minItemsForRate", Long.MAX_VALUE, "a positive number of items");
        retries = checked(() -> retries.withMinItemsForRate(min));
      }
      default -> throw new IllegalStateException("field " + name + " is in RETRY_FIELDS but not read");
    }
  }

  /** {@code {"max": N, "backoffMs": B, "maxBackoffMs": M, "jitter": J, "on": [..]}}; only max is required. */
  private Retries retriesObject(JsonParser p) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      throw ApiError.badRequest("retries must be an object such as {\"max\": 3, \"backoffMs\": 100}, got "
          + describe(p));
    }
    Integer max = null;
    long backoffMs = Retries.NONE.backoffMs();
    Long maxBackoffMs = null;
    double jitter = Retries.NONE.jitter();
    List<String> on = List.of();
    Set<String> seen = new HashSet<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      if (!RETRIES_FIELDS.contains(name)) {
        throw ApiError.badRequest("unknown field '" + name + "' in retries; it has " + String.join(", ", RETRIES_FIELDS));
      }
      if (!seen.add(name)) {
        throw ApiError.badRequest("field 'retries." + name + "' is given twice");
      }
      p.nextToken();
      switch (name) {
        case "max" -> max = (int) nonNegative(p, "retries.max", Integer.MAX_VALUE, "0 or more retries");
        case "backoffMs" -> backoffMs = nonNegative(p, "retries.backoffMs", Long.MAX_VALUE, "0 or more milliseconds");
        case "maxBackoffMs" -> maxBackoffMs = nonNegative(p, "retries.maxBackoffMs", Long.MAX_VALUE, "0 or more milliseconds");
        case "jitter" -> jitter = fraction(p, "retries.jitter");
        case "on" -> on = exceptionTypes(p);
        default -> throw new IllegalStateException("field " + name + " is in RETRIES_FIELDS but not read");
      }
    }
    if (max == null) {
      throw ApiError.badRequest("retries.max is missing: say how many times a failed item runs again");
    }
    long b = backoffMs;
    // without its own cap a long first wait is the cap: the default 10 s would refuse it
    long cap = maxBackoffMs != null ? maxBackoffMs : Math.max(b, Retries.NONE.maxBackoffMs());
    int m = max;
    double j = jitter;
    List<String> types = on;
    return checked(() -> retries.withRetries(m, b, types).withMaxBackoffMs(cap).withJitter(j));
  }

  private static List<String> exceptionTypes(JsonParser p) throws IOException {
    if (p.currentToken() != JsonToken.START_ARRAY) {
      throw ApiError.badRequest("retries.on must be an array of exception type names, got " + describe(p));
    }
    List<String> types = new ArrayList<>();
    while (p.nextToken() != JsonToken.END_ARRAY) {
      if (p.currentToken() != JsonToken.VALUE_STRING || p.getText().isBlank()) {
        throw ApiError.badRequest("retries.on must list exception type names (non-empty strings such as "
            + "\"IOException\"), got " + describe(p));
      }
      types.add(p.getText());
    }
    return types;
  }

  private static double fraction(JsonParser p, String name) throws IOException {
    return number(p, name, v -> v >= 0 && v <= 1, "a fraction from 0 to 1");
  }

  /** A combination the fields allow one by one but {@link Retries} refuses (a cap under the first wait). */
  private static Retries checked(java.util.function.Supplier<Retries> build) {
    try {
      return build.get();
    } catch (IllegalArgumentException e) {
      throw ApiError.badRequest(e.getMessage());
    }
  }

  private static String function(JsonParser p) throws IOException {
    if (p.currentToken() != JsonToken.VALUE_STRING || p.getText().isBlank()) {
      throw ApiError.badRequest("function must be a function's name (a non-empty string), got " + describe(p));
    }
    return p.getText();
  }

  private static String jar(JsonParser p) throws IOException {
    if (p.currentToken() != JsonToken.VALUE_STRING || !JarInfo.isSha256(p.getText().toLowerCase(java.util.Locale.ROOT))) {
      throw ApiError.badRequest("jar must be the sha256 of an uploaded jar (64 hex digits, as POST /jars answers), got "
          + describe(p));
    }
    return p.getText().toLowerCase(java.util.Locale.ROOT);
  }

  private void items(JsonParser p) throws IOException {
    if (p.currentToken() != JsonToken.START_ARRAY) {
      throw ApiError.badRequest("items must be a JSON array, got " + describe(p));
    }
    itemsStart = (int) p.currentTokenLocation().getByteOffset();
    while (p.nextToken() != JsonToken.END_ARRAY) {
      long start = p.currentTokenLocation().getByteOffset();
      p.skipChildren();
      // a scalar is read lazily: finish it, or a long string would measure as its opening quote
      p.finishToken();
      long bytes = p.currentLocation().getByteOffset() - start;
      limits.item(itemsCount, bytes).ifPresent(problem -> {
        throw ApiError.badRequest(problem);
      });
      itemsCount++;
    }
  }

  private int chunkSize(JsonParser p) throws IOException {
    long v = nonNegative(p, "chunkSize", Long.MAX_VALUE, "0 (automatic) or a positive integer");
    limits.chunkSize(v).ifPresent(problem -> {
      throw ApiError.badRequest(problem);
    });
    return (int) v;
  }

  private static long[] range(JsonParser p) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      throw ApiError.badRequest("range must be an object {\"start\": A, \"end\": B}, got " + describe(p));
    }
    Long start = null;
    Long end = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      p.nextToken();
      switch (name) {
        case "start" -> start = integer(p, "range.start");
        case "end" -> end = integer(p, "range.end");
        default -> throw ApiError.badRequest("unknown field '" + name + "' in range; it has start and end");
      }
    }
    if (start == null || end == null) {
      throw ApiError.badRequest("range." + (start == null ? "start" : "end") + " is missing");
    }
    Ranges.problem(start, end).ifPresent(problem -> {
      throw ApiError.badRequest(problem);
    });
    return new long[] {start, end};
  }

  /** The args' own text, cut from the body once their size is known to be within the limit. */
  private String args(JsonParser p) throws IOException {
    if (p.currentToken() != JsonToken.START_OBJECT) {
      throw ApiError.badRequest("args must be a JSON object, got " + describe(p));
    }
    int start = (int) p.currentTokenLocation().getByteOffset();
    p.skipChildren();
    int end = (int) p.currentLocation().getByteOffset();
    limits.argsBytes(end - start).ifPresent(problem -> {
      throw ApiError.badRequest(problem);
    });
    return new String(body, start, end - start, StandardCharsets.UTF_8);
  }

  private static boolean bool(JsonParser p, String name) throws IOException {
    if (!p.currentToken().isBoolean()) {
      throw ApiError.badRequest(name + " must be true or false, got " + describe(p));
    }
    return p.getBooleanValue();
  }

  private static long integer(JsonParser p, String name) throws IOException {
    if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
      throw ApiError.badRequest(name + " must be an integer, got " + describe(p));
    }
    if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
      throw ApiError.badRequest(name + " is out of range: " + p.getText());
    }
    return p.getLongValue();
  }

  /** An integer from {@code min} up to {@link Integer#MAX_VALUE}. */
  private static long integerWithin(JsonParser p, String name, long min, String expected) throws IOException {
    if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
      throw ApiError.badRequest(name + " must be " + expected + ", got " + describe(p));
    }
    boolean fits = p.getNumberType() == JsonParser.NumberType.INT;
    if (!fits || p.getIntValue() < min) {
      throw ApiError.badRequest(name + " must be " + expected + (fits ? "" : " up to " + Integer.MAX_VALUE)
          + ", got " + p.getText());
    }
    return p.getIntValue();
  }

  /** A finite number above zero, integer or not. */
  private static double positiveNumber(JsonParser p, String name) throws IOException {
    return number(p, name, v -> v > 0 && !Double.isInfinite(v), "a positive number");
  }

  /** A JSON number, integer or not, that {@code ok} accepts; else a 400 saying it must be {@code expected}. */
  private static double number(JsonParser p, String name, java.util.function.DoublePredicate ok, String expected)
      throws IOException {
    if (!p.currentToken().isNumeric()) {
      throw ApiError.badRequest(name + " must be " + expected + ", got " + describe(p));
    }
    double v = p.getDoubleValue();
    if (!ok.test(v)) {
      throw ApiError.badRequest(name + " must be " + expected + ", got " + p.getText());
    }
    return v;
  }

  private static long nonNegative(JsonParser p, String name, long max, String expected) throws IOException {
    if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
      throw ApiError.badRequest(name + " must be " + expected + ", got " + describe(p));
    }
    boolean fits = p.getNumberType() != JsonParser.NumberType.BIG_INTEGER;
    long v = fits ? p.getLongValue() : -1;
    if (v < 0 || v > max) {
      throw ApiError.badRequest(name + " must be " + expected + ", got " + p.getText());
    }
    return v;
  }

  /** The value at hand, as the user wrote it, for an error message. */
  private static String describe(JsonParser p) throws IOException {
    JsonToken t = p.currentToken();
    if (t.isStructStart()) {
      return t == JsonToken.START_OBJECT ? "an object" : "an array";
    }
    String text = t == JsonToken.VALUE_STRING ? "\"" + p.getText() + "\"" : p.getText();
    return text.length() > 40 ? text.substring(0, 37) + "..." : text;
  }
}
