package dev.shoal.coordinator.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** A results stream from its N-th line on, however its bytes are cut into chunks. */
class SkipLinesTest {

  private static final ActorTestKit KIT = ActorTestKit.create("skip-lines-test");
  private static final String LINES = "{\"index\":0,\"value\":0}\n{\"index\":1,\"value\":1}\n{\"index\":2,\"value\":4}\n";

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  @Test
  void everyLineCountAndEveryCutIntoTwoChunksGivesTheLinesFromThatOn() {
    String[] lines = LINES.split("(?<=\n)");
    for (int from = 0; from <= lines.length + 1; from++) {
      String expected = String.join("", List.of(lines).subList(Math.min(from, lines.length), lines.length));
      for (int cut = 0; cut <= LINES.length(); cut++) {
        SkipLines skip = new SkipLines(from);
        String got = skip.rest(bytes(LINES.substring(0, cut))).utf8String() + skip.rest(bytes(LINES.substring(cut))).utf8String();
        assertEquals(expected, got, "from " + from + ", cut at byte " + cut);
      }
    }
  }

  @Test
  void aChunkAfterTheSkippedLinesPassesAsItCame() {
    SkipLines skip = new SkipLines(1);
    assertEquals("", skip.rest(bytes("{\"index\":0,")).utf8String());
    assertEquals("{\"index\":1}\n", skip.rest(bytes("\"value\":0}\n{\"index\":1}\n")).utf8String());
    ByteString later = bytes("{\"index\":2}\n");
    assertSame(later, skip.rest(later));
  }

  @Test
  void aStreamOfManySmallChunksSkipsAcrossThemAndDropsTheEmptyOnes() throws Exception {
    List<ByteString> chunks = new ArrayList<>();
    for (char c : LINES.toCharArray()) {
      chunks.add(bytes(String.valueOf(c)));
    }
    List<ByteString> out = SkipLines.from(Source.from(chunks), 2)
        .runWith(Sink.seq(), KIT.system()).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertEquals("{\"index\":2,\"value\":4}\n", out.stream().map(ByteString::utf8String).reduce("", String::concat));
    assertTrue(out.stream().noneMatch(ByteString::isEmpty), "no empty chunk goes out: " + out);
  }

  @Test
  void fromIsAWholeNumberOfLinesFromZeroUp() {
    assertEquals(0, SkipLines.parseFrom(Optional.empty()));
    assertEquals(0, SkipLines.parseFrom(Optional.of("0")));
    assertEquals(12345678901L, SkipLines.parseFrom(Optional.of("12345678901")));
    for (String bad : List.of("-1", "abc", "", "1.5", "99999999999999999999")) {
      ApiError e = assertThrows(ApiError.class, () -> SkipLines.parseFrom(Optional.of(bad)), bad);
      assertEquals(400, e.status());
      assertTrue(e.getMessage().contains("from must be a line number") && e.getMessage().contains("'" + bad + "'"), e.getMessage());
    }
  }

  private static ByteString bytes(String s) {
    return ByteString.fromString(s, StandardCharsets.UTF_8);
  }
}
