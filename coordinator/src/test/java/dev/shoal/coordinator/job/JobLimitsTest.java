package dev.shoal.coordinator.job;

import dev.shoal.api.Ranges;
import dev.shoal.api.JobRequest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.typesafe.config.ConfigFactory;
import dev.shoal.protocol.ItemBatch;
import java.io.BufferedReader;
import java.io.StringReader;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/**
 * The limits one job is held to, each at its boundary: the value at the limit passes, one over it
 * is refused with a message naming the configuration key and the limit's value.
 */
class JobLimitsTest {

  /** Small limits so each boundary is cheap to reach: 10 items, 100-byte chunks, 40-byte items. */
  private final JobLimits limits = new JobLimits(10, 100, 40, 30, 4, 5, 3, Duration.ofSeconds(7));

  @Test
  void theDefaultsComeFromReferenceConf() {
    JobLimits d = JobLimits.defaults();
    assertEquals(10_000, d.maxChunkItems());
    assertEquals(4L << 20, d.maxChunkBytes());
    assertEquals(1 << 20, d.maxItemBytes());
    assertEquals(64 << 10, d.maxArgsBytes());
    assertEquals(64, d.maxNestingDepth());
    assertEquals(100, d.maxNumberLength());
    assertEquals(1000, d.maxQueuedJobs());
    assertEquals(Duration.ofSeconds(5), d.retryAfter());
  }

  @Test
  void aChunkSizeUpToMaxChunkItemsPassesAndOneMoreIsRefused() {
    assertEquals(Optional.empty(), limits.chunkSize(0));
    assertEquals(Optional.empty(), limits.chunkSize(10));
    assertEquals(Optional.of("chunkSize 11 exceeds shoal.coordinator.limits.max-chunk-items (10)"), limits.chunkSize(11));
    assertEquals("chunkSize 2147483647 exceeds shoal.coordinator.limits.max-chunk-items (10000)",
        JobLimits.defaults().chunkSize(Integer.MAX_VALUE).orElseThrow());
    assertEquals("chunkSize must be 0 (automatic) or a positive integer, got -1", limits.chunkSize(-1).orElseThrow());
  }

  @Test
  void anItemUpToMaxItemBytesPassesAndOneByteMoreIsRefused() {
    assertEquals(Optional.empty(), limits.item(3, 40));
    assertEquals(Optional.of("item 3 is 41 bytes, over shoal.coordinator.limits.max-item-bytes (40)"), limits.item(3, 41));
  }

  @Test
  void argsAreMeasuredInUtf8BytesBeforeTheyAreParsed() {
    String at = "{\"k\":\"" + "x".repeat(30 - 8) + "\"}";
    assertEquals(30, at.length());
    assertEquals(Optional.empty(), limits.args(at));
    // one character, two UTF-8 bytes: 31 bytes in 30 chars
    String over = "{\"k\":\"" + "x".repeat(30 - 9) + "é\"}";
    assertEquals("args are 31 bytes, over shoal.coordinator.limits.max-args-bytes (30)", limits.args(over).orElseThrow());
    // too long to be JSON at all: refused on size, never parsed
    assertEquals("args are 1000 bytes, over shoal.coordinator.limits.max-args-bytes (30)",
        limits.args("[".repeat(1000)).orElseThrow());
  }

  @Test
  void argsNestedUpToMaxNestingDepthPassAndOneLevelDeeperIsRefused() {
    assertEquals(Optional.empty(), limits.args("{\"a\":[[[1]]]}"));
    assertEquals("args nest deeper than shoal.coordinator.limits.max-nesting-depth (4)",
        limits.args("{\"a\":[[[[1]]]]}").orElseThrow());
  }

  @Test
  void argsMustBeOneJsonObject() {
    assertTrue(limits.args("[1]").orElseThrow().startsWith("args must be a JSON object"));
    assertTrue(limits.args("{\"a\":").orElseThrow().startsWith("args are not valid JSON"));
    assertEquals(Optional.empty(), limits.args(null));
  }

  @Test
  void aRequestIsCheckedForItsChunkSizeThenItsArgs() {
    assertEquals(Optional.empty(), limits.request(new JobRequest("echo", "{}", 10, true, 0)));
    assertTrue(limits.request(new JobRequest("echo", "{}", 11, true, 0)).orElseThrow().contains("max-chunk-items (10)"));
    assertTrue(limits.request(new JobRequest("echo", "{\"a\":[[[[[]]]]]}", 0, true, 0)).orElseThrow()
        .contains("max-nesting-depth (4)"));
  }

  @Test
  void theQueueTakesMaxQueuedJobsAndRefusesTheNext() {
    assertEquals(Optional.empty(), limits.queue(2));
    assertEquals("the coordinator already holds 3 jobs that have not ended, the limit of "
        + "shoal.coordinator.limits.max-queued-jobs (3); try again later", limits.queue(3).orElseThrow());
  }

  @Test
  void theParserStopsAtTheLimitsAndTheMessageNamesOurs() throws Exception {
    assertEquals("the items nest deeper than shoal.coordinator.limits.max-nesting-depth (4)",
        parseFailure(limits.jsonFactory(), "[[[[[1]]]]]"));
    assertEquals("the items hold a number longer than shoal.coordinator.limits.max-number-length (5 digits)",
        parseFailure(limits.jsonFactory(), "[123456]"));
    assertEquals("the items hold a string longer than shoal.coordinator.limits.max-item-bytes (40)",
        parseFailure(limits.jsonFactory(), "[\"" + "s".repeat(41) + "\"]"));
    // a body: its object and items array come on top of an item's own depth
    String itemAtTheLimit = "[[[[1]]]]";
    assertEquals("the items nest deeper than shoal.coordinator.limits.max-nesting-depth (4)",
        parseFailure(limits.bodyFactory(), "{\"items\": [[" + itemAtTheLimit + "]]}"));
    try (JsonParser p = limits.bodyFactory().createParser("{\"items\": [" + itemAtTheLimit + "]}")) {
      while (p.nextToken() != null) {
        p.getText();
      }
    }
    try (JsonParser p = limits.jsonFactory().createParser("[[[[12345, \"" + "s".repeat(40) + "\"]]]]")) {
      while (p.nextToken() != null) {
        p.getText();
      }
    }
  }

  @Test
  void aBoundedSourceCutsChunksWithinMaxChunkBytesAndKeepsEveryItemInOrder() {
    List<String> items = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      items.add("\"" + "a".repeat(28) + i + "\""); // 31 or 32 bytes: three fit in 100 bytes, four do not
    }
    ItemSource source = limits.bounded(new ListSource(items));
    List<String> seen = new ArrayList<>();
    List<Integer> sizes = new ArrayList<>();
    for (ItemBatch b = next(source, 10); b.size() > 0; b = next(source, 10)) {
      sizes.add(b.size());
      seen.addAll(b.json());
    }
    assertEquals(List.of(3, 3, 3, 3), sizes);
    assertEquals(items, seen);
    assertEquals(12, source.total());
  }

  @Test
  void aBoundedSourceFailsAtTheFirstItemOverMaxItemBytesNamingIt() {
    ItemSource source = limits.bounded(new ListSource(List.of("1", "2", "\"" + "b".repeat(39) + "\"", "3")));
    assertEquals(List.of("1", "2"), next(source, 10).json());
    CompletionException e = assertThrows(CompletionException.class, () -> next(source, 10));
    assertInstanceOf(IllegalArgumentException.class, e.getCause());
    assertEquals("item 2 is 41 bytes, over shoal.coordinator.limits.max-item-bytes (40)", e.getCause().getMessage());
  }

  @Test
  void aRangePassesThroughABoundedSourceUncut() {
    ItemSource source = limits.bounded(new RangeSource(0, 25));
    assertEquals(10, next(source, 10).size());
    assertEquals(10, next(source, 10).size());
    assertEquals(5, next(source, 10).size());
    assertEquals(0, next(source, 10).size());
  }

  @Test
  void aLineLongerThanTheItemLimitFailsBeforeItIsReadWhole() {
    String lines = "1\n\n[2]\r\n" + "c".repeat(41) + "\n4\n";
    LinesSource source = new LinesSource(new BufferedReader(new StringReader(lines)), 40);
    try {
      assertEquals(List.of("1", "[2]"), next(source, 2).json());
      CompletionException e = assertThrows(CompletionException.class, () -> next(source, 2));
      assertEquals("line 4 is longer than shoal.coordinator.limits.max-item-bytes (40)", e.getCause().getMessage());
    } finally {
      source.close();
    }
  }

  @Test
  void aLineAtTheItemLimitIsReadAcrossBufferRefills() {
    String longLine = "d".repeat(100_000);
    String lines = "1\n" + longLine + "\n2";
    LinesSource source = new LinesSource(new BufferedReader(new StringReader(lines)), 100_000);
    try {
      assertEquals(List.of("1", longLine, "2"), next(source, 10).json());
      assertEquals(0, next(source, 10).size());
    } finally {
      source.close();
    }
  }

  @Test
  void aRangeWhoseCountOverflowsIsRefused() {
    assertEquals(Optional.empty(), Ranges.problem(0, Long.MAX_VALUE));
    assertEquals(Optional.empty(), Ranges.problem(Long.MIN_VALUE, -1));
    assertEquals("range " + Long.MIN_VALUE + ".." + Long.MAX_VALUE + " holds more than " + Long.MAX_VALUE + " items",
        Ranges.problem(Long.MIN_VALUE, Long.MAX_VALUE).orElseThrow());
    assertEquals("range end 4 is before its start 5", Ranges.problem(5, 4).orElseThrow());
    assertThrows(IllegalArgumentException.class, () -> new RangeSource(-2, Long.MAX_VALUE));
  }

  @Test
  void limitsThatCouldNeverBeMetAreAConfigurationError() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> JobLimits.fromConfig(ConfigFactory.parseString("shoal.coordinator.limits.max-item-bytes = 8MiB")
            .withFallback(ConfigFactory.defaultReference())));
    assertEquals("shoal.coordinator.limits.max-item-bytes (8388608) must not exceed "
        + "shoal.coordinator.limits.max-chunk-bytes (4194304)", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new JobLimits(0, 100, 40, 30, 4, 5, 3, Duration.ofSeconds(1)));
  }

  private String parseFailure(com.fasterxml.jackson.core.JsonFactory factory, String json) throws Exception {
    try (JsonParser p = factory.createParser(json)) {
      while (p.nextToken() != null) {
        p.getText();
      }
    } catch (StreamConstraintsException e) {
      return limits.overLimit("the items", e);
    }
    throw new AssertionError("parsed within the limits: " + json);
  }

  private static ItemBatch next(ItemSource source, int max) {
    return source.next(max).toCompletableFuture().join();
  }
}
