package dev.shoal.client;

import dev.shoal.local.LocalPool;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.cli.PluginJar;
import dev.shoal.api.JobRequest;
import dev.shoal.api.FunctionInfo;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The Java API on a local pool: what a user's program sees. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LocalPoolTest {

  private final LocalPool pool = LocalPool.start(new LocalPool.Options(2, null, true, null));

  @AfterAll
  void close() {
    pool.close();
  }

  @Test
  void mapAppliesANamedFunctionInInputOrder() {
    assertEquals(List.of(1L, 4L, 9L), longs(pool.map("square", List.of(1, 2, 3))));
    assertEquals(List.of(), pool.map("square", List.of()));
  }

  @Test
  void mapAppliesAJavaLambdaToJavaObjects() {
    List<String> out = pool.map((Integer x) -> "v" + x, List.of(1, 2, 3));
    assertEquals(List.of("v1", "v2", "v3"), out);
    List<Integer> many = IntStream.range(0, 500).boxed().toList();
    assertEquals(many.stream().map(x -> x * 2).toList(), pool.map((Integer x) -> x * 2, many));
  }

  @Test
  void aLambdaThatThrowsFailsItsItem() {
    ItemFailedException e = assertThrows(ItemFailedException.class, () -> pool.map((Integer x) -> {
      if (x == 20) {
        throw new IllegalStateException("no 20");
      }
      return x;
    }, List.of(10, 20, 30)));
    assertEquals(1, e.index());
    assertEquals("IllegalStateException", e.type());
  }

  @Test
  void imapUnorderedGivesEveryIndexOnce() {
    List<Integer> items = IntStream.range(0, 300).boxed().toList();
    Map<Long, Long> byIndex = new TreeMap<>();
    try (Stream<ItemResult> results = pool.imapUnordered("square", items)) {
      results.forEach(r -> assertEquals(null, byIndex.put(r.index(), r.value().asLong()), "index " + r.index() + " twice"));
    }
    assertEquals(IntStream.range(0, 300).boxed().collect(Collectors.toMap(i -> (long) i, i -> (long) i * i)), byIndex);
  }

  @Test
  void imapGivesResultsInInputOrderErrorsIncluded() {
    try (Stream<ItemResult> results = pool.imap("square", List.of(2, "x", 4))) {
      List<ItemResult> all = results.toList();
      assertEquals(List.of(0L, 1L, 2L), all.stream().map(ItemResult::index).toList());
      assertEquals(4, all.get(0).value().asLong());
      assertEquals("IllegalArgumentException", all.get(1).error().type());
      assertEquals(16, all.get(2).value().asLong());
    }
  }

  @Test
  void itemFailedExceptionNamesTheFirstFailedItem() {
    ItemFailedException e = assertThrows(ItemFailedException.class,
        () -> pool.map(new JobRequest("fail", "{\"items\":[5,3]}", 2, true, 0), Items.range(0, 10)));
    assertEquals(3, e.index());
    assertEquals("RequestedFailure", e.type());
    assertEquals(2, e.failedItems());
    assertEquals("item 3 failed with RequestedFailure: fail was asked to fail item 3 (and 1 more items failed)",
        e.getMessage());
  }

  @Test
  void anUnknownFunctionIsRefusedAtSubmit() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pool.map("nope", List.of(1)));
    assertTrue(e.getMessage().startsWith("unknown function 'nope'"), e.getMessage());
  }

  @Test
  void aFunctionFromAPluginJarRuns(@TempDir Path tmp) throws Exception {
    Path plugins = PluginJar.build(tmp, tmp.resolve("plugins"));
    try (LocalPool withPlugin = LocalPool.start(new LocalPool.Options(1, plugins, false, null))) {
      assertEquals(List.of(), withPlugin.warnings());
      assertTrue(withPlugin.functions().stream().map(FunctionInfo::name).anyMatch(PluginJar.FUNCTION::equals));
      assertEquals(List.of(3L, 6L, 9L), longs(withPlugin.map(PluginJar.FUNCTION, List.of(1, 2, 3))));
    }
  }

  private static List<Long> longs(List<JsonNode> values) {
    return values.stream().map(JsonNode::asLong).toList();
  }
}
