package dev.shoal.coordinator.job;

import dev.shoal.api.JobRequest;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * What one job may ask for, from {@code shoal.coordinator.limits}: items and bytes of a chunk, bytes
 * of an item and of the args, JSON nesting depth and number length, and how many jobs may be queued.
 * One set of rules and one wording for every way in: the HTTP API, {@code shoal run}, {@code shoal
 * submit} and the Java API.
 *
 * <p>Guarantees: every message names the limit's configuration key, its value and what went over
 * it (e.g. {@code chunkSize 2147483647 exceeds shoal.coordinator.limits.max-chunk-items (10000)});
 * a check never allocates from the size it checks; {@link #jsonFactory()} enforces depth, string
 * and number lengths while it parses, so an over-deep or over-long value fails at the token that
 * crosses the limit. {@link #bounded} makes a source hand out chunks within {@code max-chunk-bytes}
 * and fail on the first item over {@code max-item-bytes}.
 *
 * <p>Caveats: bytes are UTF-8 bytes of the JSON text; a range's items are numbers and count only
 * against {@code max-chunk-items}.
 */
public final class JobLimits {

  /** The configuration block every message names. */
  public static final String PATH = "shoal.coordinator.limits";

  private final int maxChunkItems;
  private final long maxChunkBytes;
  private final int maxItemBytes;
  private final int maxArgsBytes;
  private final int maxNestingDepth;
  private final int maxNumberLength;
  private final int maxQueuedJobs;
  private final Duration retryAfter;
  private final JsonFactory json;
  private final JsonFactory body;

  public JobLimits(int maxChunkItems, long maxChunkBytes, int maxItemBytes, int maxArgsBytes, int maxNestingDepth,
      int maxNumberLength, int maxQueuedJobs, Duration retryAfter) {
    positive("max-chunk-items", maxChunkItems);
    positive("max-chunk-bytes", maxChunkBytes);
    positive("max-item-bytes", maxItemBytes);
    positive("max-args-bytes", maxArgsBytes);
    positive("max-nesting-depth", maxNestingDepth);
    positive("max-number-length", maxNumberLength);
    positive("max-queued-jobs", maxQueuedJobs);
    if (maxItemBytes > maxChunkBytes) {
      // an item must fit in a chunk on its own, or a job with such an item could never be cut
      throw new IllegalArgumentException(PATH + ".max-item-bytes (" + maxItemBytes + ") must not exceed "
          + PATH + ".max-chunk-bytes (" + maxChunkBytes + ")");
    }
    this.maxChunkItems = maxChunkItems;
    this.maxChunkBytes = maxChunkBytes;
    this.maxItemBytes = maxItemBytes;
    this.maxArgsBytes = maxArgsBytes;
    this.maxNestingDepth = maxNestingDepth;
    this.maxNumberLength = maxNumberLength;
    this.maxQueuedJobs = maxQueuedJobs;
    this.retryAfter = retryAfter;
    this.json = factory(maxNestingDepth);
    // a body holds an item two levels down ({"items": [item]}) and the args one level down: an item
    // or args at the limit must pass, args one level over it are then named by args()
    this.body = factory(maxNestingDepth + 2);
  }

  public static JobLimits fromConfig(Config config) {
    Config c = config.getConfig(PATH);
    return new JobLimits(
        c.getInt("max-chunk-items"),
        c.getBytes("max-chunk-bytes"),
        intBytes(c, "max-item-bytes"),
        intBytes(c, "max-args-bytes"),
        c.getInt("max-nesting-depth"),
        c.getInt("max-number-length"),
        c.getInt("max-queued-jobs"),
        c.getDuration("retry-after"));
  }

  /** The limits of {@code reference.conf}, for code that has no configuration of its own at hand. */
  public static JobLimits defaults() {
    return fromConfig(ConfigFactory.defaultReference());
  }

  public int maxChunkItems() {
    return maxChunkItems;
  }

  public long maxChunkBytes() {
    return maxChunkBytes;
  }

  public int maxItemBytes() {
    return maxItemBytes;
  }

  public int maxArgsBytes() {
    return maxArgsBytes;
  }

  public int maxNestingDepth() {
    return maxNestingDepth;
  }

  public int maxNumberLength() {
    return maxNumberLength;
  }

  public int maxQueuedJobs() {
    return maxQueuedJobs;
  }

  public Duration retryAfter() {
    return retryAfter;
  }

  /** A parser factory for one value (an item, the args) that enforces nesting depth, string length and number length as it reads. */
  public JsonFactory jsonFactory() {
    return json;
  }

  /** The same for a whole {@code POST /jobs} body, whose own object and items array add two levels. */
  public JsonFactory bodyFactory() {
    return body;
  }

  private JsonFactory factory(int depth) {
    return JsonFactory.builder()
        .streamReadConstraints(StreamReadConstraints.builder()
            .maxNestingDepth(depth)
            .maxStringLength(maxItemBytes)
            .maxNumberLength(maxNumberLength)
            .build())
        .build();
  }

  // --- checks: each returns the problem, or empty when the value is within its limit ---

  /** A user-given chunk size (0 is automatic). */
  public Optional<String> chunkSize(long chunkSize) {
    if (chunkSize < 0) {
      return Optional.of("chunkSize must be 0 (automatic) or a positive integer, got " + chunkSize);
    }
    return chunkSize > maxChunkItems
        ? Optional.of("chunkSize " + chunkSize + " exceeds " + PATH + ".max-chunk-items (" + maxChunkItems + ")")
        : Optional.empty();
  }

  /** Item {@code index} of a job, {@code bytes} long. */
  public Optional<String> item(long index, long bytes) {
    return bytes > maxItemBytes
        ? Optional.of("item " + index + " is " + bytes + " bytes, over " + PATH + ".max-item-bytes (" + maxItemBytes + ")")
        : Optional.empty();
  }

  /** The args' size alone, for a caller that has counted the bytes without building the text. */
  public Optional<String> argsBytes(long bytes) {
    return bytes > maxArgsBytes
        ? Optional.of("args are " + bytes + " bytes, over " + PATH + ".max-args-bytes (" + maxArgsBytes + ")")
        : Optional.empty();
  }

  /** A job's args as JSON text: size first (without parsing), then nesting and number lengths. */
  public Optional<String> args(String argsJson) {
    if (argsJson == null) {
      return Optional.empty();
    }
    Optional<String> size = argsBytes(utf8Length(argsJson));
    if (size.isPresent()) {
      return size;
    }
    try (JsonParser p = json.createParser(argsJson)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return Optional.of("args must be a JSON object, got "
            + (argsJson.length() > 40 ? argsJson.substring(0, 37) + "..." : argsJson));
      }
      p.skipChildren();
      if (p.nextToken() != null) {
        return Optional.of("args hold more than one JSON value");
      }
    } catch (StreamConstraintsException e) {
      return Optional.of(overLimit("args", e));
    } catch (JsonProcessingException e) {
      return Optional.of("args are not valid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      return Optional.of("args cannot be read: " + e.getMessage());
    }
    return Optional.empty();
  }

  /** Everything about a request apart from its items: the chunk size and the args. */
  public Optional<String> request(JobRequest request) {
    Optional<String> chunk = chunkSize(request.chunkSize());
    return chunk.isPresent() ? chunk : args(request.argsJson());
  }

  /** A new job when {@code active} jobs have been accepted and not ended yet. */
  public Optional<String> queue(int active) {
    return active >= maxQueuedJobs
        ? Optional.of("the coordinator already holds " + active + " jobs that have not ended, the limit of "
            + PATH + ".max-queued-jobs (" + maxQueuedJobs + "); try again later")
        : Optional.empty();
  }

  /**
   * Names the limit a parser stopped at, for values described as {@code what} ("args", "the items or args").
   * Jackson's own message names its own setting, which a Shoal user cannot change.
   */
  public String overLimit(String what, StreamConstraintsException e) {
    String m = String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT);
    if (m.contains("nesting")) {
      return what + " nest deeper than " + PATH + ".max-nesting-depth (" + maxNestingDepth + ")";
    }
    if (m.contains("number")) {
      return what + " hold a number longer than " + PATH + ".max-number-length (" + maxNumberLength + " digits)";
    }
    if (m.contains("string") || m.contains("name")) {
      return what + " hold a string longer than " + PATH + ".max-item-bytes (" + maxItemBytes + ")";
    }
    return what + " is over a limit: " + e.getOriginalMessage();
  }

  /** {@code source}, cut into chunks within {@code max-chunk-bytes}, failing on an item over {@code max-item-bytes}. */
  public ItemSource bounded(ItemSource source) {
    return new BoundedSource(source, this);
  }

  /** UTF-8 bytes of {@code s}, counted without encoding it. */
  public static long utf8Length(String s) {
    long bytes = 0;
    for (int i = 0, n = s.length(); i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        bytes++;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }

  private static int intBytes(Config c, String key) {
    long v = c.getBytes(key);
    if (v > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(PATH + "." + key + " must be below 2 GiB, got " + v);
    }
    return (int) v;
  }

  private static void positive(String key, long v) {
    if (v <= 0) {
      throw new IllegalArgumentException(PATH + "." + key + " must be positive, got " + v);
    }
  }
}
