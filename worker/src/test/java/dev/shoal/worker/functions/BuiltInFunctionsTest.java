package dev.shoal.worker.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.LongNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.shoal.api.FunctionKind;
import dev.shoal.protocol.FunctionRegistry;
import dev.shoal.api.ShoalFunction;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The functions every worker ships, called directly. */
class BuiltInFunctionsTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonNode NO_ARGS = JSON.createObjectNode();
  /** From /work/shared/anchors/README.md: the {@code sha} workload's results for items 0 and 7. */
  private static final String SHA_0 = "dccdcee423b05b98e87ace0c0f756e2ffe7b8ce7875fdda8b0af308ed619e5fe";
  private static final String SHA_7 = "0a05c931d7ce3d20874c2eb8c32b3c86807a59dcc88915c6e9c62af19e2fc1cd";

  @Test
  void sha256OfItems0And7EqualsTheAnchors() throws Exception {
    Sha256 sha = new Sha256();
    assertEquals(TextNode.valueOf(SHA_0), sha.apply(LongNode.valueOf(0), NO_ARGS));
    assertEquals(TextNode.valueOf(SHA_7), sha.apply(LongNode.valueOf(7), NO_ARGS));
    // a string item hashes its text: "7" is the same as 7
    assertEquals(TextNode.valueOf(SHA_7), sha.apply(TextNode.valueOf("7"), NO_ARGS));
  }

  @Test
  void sha256HonoursRoundsAndRejectsWhatItCannotHash() throws Exception {
    Sha256 sha = new Sha256();
    assertEquals(TextNode.valueOf("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        sha.apply(TextNode.valueOf("abc"), args("{\"rounds\":1}")));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> sha.apply(LongNode.valueOf(1), args("{\"rounds\":0}")));
    assertEquals("sha256 needs args.rounds to be a positive integer, got 0", e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> sha.apply(JSON.readTree("1.5"), NO_ARGS));
    assertEquals("sha256 needs an integer or a string item, got 1.5", e.getMessage());
  }

  @Test
  void squareIsExactOn64BitsAndOverflowIsAnError() throws Exception {
    Square square = new Square();
    assertEquals(LongNode.valueOf(9), square.apply(LongNode.valueOf(-3), NO_ARGS));
    assertEquals(LongNode.valueOf(9_223_372_030_926_249_001L), square.apply(LongNode.valueOf(3_037_000_499L), NO_ARGS));
    assertThrows(ArithmeticException.class, () -> square.apply(LongNode.valueOf(3_037_000_500L), NO_ARGS));
    assertThrows(ArithmeticException.class, () -> square.apply(LongNode.valueOf(Long.MIN_VALUE), NO_ARGS));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> square.apply(TextNode.valueOf("x"), NO_ARGS));
    assertEquals("square needs a 64-bit integer, got \"x\"", e.getMessage());
  }

  @Test
  void sleepTakesItsTimeFromArgsMsWhenGiven() {
    Sleep sleep = new Sleep();
    // the item alone would mean eleven days
    JsonNode item = LongNode.valueOf(1_000_000_000L);
    assertEquals(item, assertTimeoutPreemptively(Duration.ofSeconds(20), () -> sleep.apply(item, args("{\"ms\":1}"))));
    assertEquals(TextNode.valueOf("x"), assertTimeoutPreemptively(Duration.ofSeconds(20),
        () -> sleep.apply(TextNode.valueOf("x"), args("{\"ms\":0}"))));
    assertEquals(LongNode.valueOf(1), assertTimeoutPreemptively(Duration.ofSeconds(20), () -> sleep.apply(LongNode.valueOf(1), NO_ARGS)));
  }

  @Test
  void sleepRejectsATimeThatIsNoNonNegativeInteger() {
    Sleep sleep = new Sleep();
    assertEquals("sleep needs a non-negative number of milliseconds, got -1",
        assertThrows(IllegalArgumentException.class, () -> sleep.apply(LongNode.valueOf(0), args("{\"ms\":-1}"))).getMessage());
    assertEquals("sleep args.ms needs a 64-bit integer, got \"soon\"",
        assertThrows(IllegalArgumentException.class, () -> sleep.apply(LongNode.valueOf(0), args("{\"ms\":\"soon\"}"))).getMessage());
    assertEquals("sleep needs a 64-bit integer, got \"x\"",
        assertThrows(IllegalArgumentException.class, () -> sleep.apply(TextNode.valueOf("x"), NO_ARGS)).getMessage());
  }

  @Test
  void echoReturnsTheItem() throws Exception {
    JsonNode item = JSON.readTree("{\"a\":[1,\"b\",null]}");
    assertEquals(item, new Echo().apply(item, NO_ARGS));
  }

  @Test
  void failThrowsOnlyForTheListedItemsAndForEveryItemWithoutAList() {
    Fail fail = new Fail();
    JsonNode only2 = args("{\"items\":[2,\"b\"]}");
    assertEquals(LongNode.valueOf(3), fail.apply(LongNode.valueOf(3), only2));
    assertEquals("fail was asked to fail item 2",
        assertThrows(Fail.RequestedFailure.class, () -> fail.apply(LongNode.valueOf(2), only2)).getMessage());
    assertThrows(Fail.RequestedFailure.class, () -> fail.apply(TextNode.valueOf("b"), only2));
    assertThrows(Fail.RequestedFailure.class, () -> fail.apply(LongNode.valueOf(3), NO_ARGS));
  }

  @Test
  void flakyFailsTheListedItemsOnTheirFirstFailuresAttemptsAndSucceedsAfter() throws Exception {
    Flaky flaky = new Flaky();
    JsonNode twice = args("{\"failures\":2,\"items\":[4]}");
    assertEquals("flaky failed item 4 on attempt 1 of the 2 it fails",
        assertThrows(Flaky.TransientFailure.class, () -> flaky.apply(LongNode.valueOf(4), twice, 1)).getMessage());
    assertThrows(Flaky.TransientFailure.class, () -> flaky.apply(LongNode.valueOf(4), twice, 2));
    assertEquals(LongNode.valueOf(4), flaky.apply(LongNode.valueOf(4), twice, 3));
    assertEquals(LongNode.valueOf(5), flaky.apply(LongNode.valueOf(5), twice, 1));
    // without failures it fails once; through the two-argument call it is a first attempt
    assertThrows(Flaky.TransientFailure.class, () -> flaky.apply(LongNode.valueOf(1), NO_ARGS));
    assertEquals(LongNode.valueOf(1), flaky.apply(LongNode.valueOf(1), NO_ARGS, 2));
  }

  @Test
  void haltLeavesTheItemsNotListedAlone() {
    assertEquals(LongNode.valueOf(1), new Halt().apply(LongNode.valueOf(1), args("{\"items\":[5]}")));
  }

  @Test
  void hangReturnsItemsNotListedAndBlocksTheOthersUntilInterrupted() throws Exception {
    Hang hang = new Hang();
    assertEquals(LongNode.valueOf(1), hang.apply(LongNode.valueOf(1), args("{\"items\":[5]}")));
    CompletableFuture<Thread> running = new CompletableFuture<>();
    Future<JsonNode> blocked = CompletableFuture.supplyAsync(() -> {
      running.complete(Thread.currentThread());
      try {
        return hang.apply(LongNode.valueOf(5), args("{\"items\":[5]}"));
      } catch (InterruptedException e) {
        throw new IllegalStateException("interrupted", e);
      }
    }, r -> new Thread(r, "hang-test").start());
    running.get(20, TimeUnit.SECONDS).interrupt();
    ExecutionException e = assertThrows(ExecutionException.class, () -> blocked.get(20, TimeUnit.SECONDS));
    assertInstanceOf(InterruptedException.class, e.getCause().getCause());
  }

  @Test
  void testFunctionsExistOnlyWhenEnabled() {
    Set<String> plain = names(FunctionRegistry.load(null, false));
    Set<String> all = names(FunctionRegistry.load(null, true));
    assertEquals(Set.of("echo", "sha256", "sleep", "square"), plain);
    assertEquals(Set.of("echo", "sha256", "sleep", "square", "fail", "flaky", "halt", "hang"), all);
    FunctionRegistry registry = FunctionRegistry.load(null, true);
    assertEquals(FunctionKind.IO, registry.find("sleep").map(ShoalFunction::kind).orElseThrow());
    assertEquals(FunctionKind.IO, registry.find("hang").map(ShoalFunction::kind).orElseThrow());
    assertEquals(FunctionKind.CPU, registry.find("sha256").map(ShoalFunction::kind).orElseThrow());
    assertFalse(registry.find("nope").isPresent());
    assertTrue(registry.warnings().isEmpty(), registry.warnings().toString());
  }

  private static Set<String> names(FunctionRegistry registry) {
    return registry.all().stream().map(ShoalFunction::name).collect(Collectors.toSet());
  }

  private static JsonNode args(String json) {
    try {
      return JSON.readTree(json);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }
}
