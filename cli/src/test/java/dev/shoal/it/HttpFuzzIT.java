package dev.shoal.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The HTTP API against hostile input, on a real coordinator and worker JVM: hand-picked hostile
 * values (a huge {@code chunkSize}, range ends at and past the {@code long} limits, deep nesting,
 * numbers out of range, wrong types, non-JSON, odd content types and methods, bodies over the
 * limit) and hundreds of bodies mutated from valid ones with a seeded {@link Random}.
 *
 * <p>The specification: every answer is a 2xx or a 4xx with a JSON {@code {"error": ...}}, never a
 * 5xx; a job that was accepted ends (the test cancels each one at once, so a mutated range of 2^63
 * items does not run for ever); both JVMs are alive at the end, the worker still registered; and an
 * ordinary job then completes with the right results.
 */
class HttpFuzzIT {

  private static final long SEED = 20261203L;
  private static final int MUTATED = 400;

  /** One request as sent: a null content type sends none, a null body an empty one. */
  private record Call(String what, String method, String path, String contentType, byte[] body) {

    static Call post(String what, String json) {
      return new Call(what, "POST", "/jobs", "application/json", json.getBytes(StandardCharsets.UTF_8));
    }
  }

  @Test
  void noRequestGetsA5xxOrKillsANodeAndAnOrdinaryJobStillCompletes() throws Exception {
    try (Cluster c = new Cluster("fuzz", false)) {
      Node worker = c.startWorker(2);
      c.awaitWorkers(1);
      List<Call> calls = new ArrayList<>(hostile());
      calls.addAll(mutated(new Random(SEED), MUTATED));

      List<String> wrong = new ArrayList<>();
      Set<String> accepted = new LinkedHashSet<>();
      Map<Integer, Integer> byStatus = new TreeMap<>();
      for (Call call : calls) {
        HttpResponse<String> r = send(c, call);
        byStatus.merge(r.statusCode(), 1, Integer::sum);
        String problem = problem(call, r);
        if (problem != null) {
          wrong.add(call.what() + ": " + problem);
        }
        if (r.statusCode() == 202) {
          String id = Cluster.JSON.readTree(r.body()).get("id").asText();
          accepted.add(id);
          HttpResponse<String> cancelled = c.delete("/jobs/" + id);
          if (cancelled.statusCode() != 200) {
            wrong.add(call.what() + ": DELETE of its job answered " + cancelled.statusCode() + " " + cancelled.body());
          }
        }
        assertTrue(c.coordinator.process.isAlive(), "the coordinator died after " + call.what() + ":\n" + c.logs());
        assertTrue(worker.process.isAlive(), "the worker died after " + call.what() + ":\n" + c.logs());
      }
      System.out.println("HttpFuzzIT: " + calls.size() + " requests, answers by status " + byStatus
          + ", " + accepted.size() + " jobs accepted and cancelled");
      assertEquals(List.of(), wrong, "answers that break the API's promise");
      assertTrue(byStatus.keySet().stream().anyMatch(s -> s == 202), "some mutated bodies are still valid jobs: " + byStatus);

      for (String id : accepted) {
        c.awaitJson("/jobs/" + id, s -> Set.of("SUCCEEDED", "COMPLETED_WITH_ERRORS", "FAILED", "CANCELLED")
            .contains(s.path("state").asText()), Duration.ofSeconds(60), "job " + id + " to end");
      }
      assertTrue(c.coordinator.process.isAlive(), c.logs());
      assertTrue(worker.process.isAlive(), c.logs());
      c.awaitWorkers(1);
      for (Node n : List.of(c.coordinator, worker)) {
        assertFalse(n.logText().contains("OutOfMemoryError"), n.name + " ran out of memory:\n" + c.logs());
      }

      String id = c.submit("{\"function\": \"square\", \"range\": {\"start\": 0, \"end\": 3000}, \"chunkSize\": 100}");
      List<JsonNode> results = c.results(id);
      assertEquals(3000, results.size());
      for (int i = 0; i < 3000; i++) {
        assertEquals(i, results.get(i).get("index").asLong());
        assertEquals((long) i * i, results.get(i).get("value").asLong());
      }
      assertEquals("SUCCEEDED", c.status(id).get("state").asText());
    }
  }

  /** What is wrong with the answer, or null when it keeps the API's promise. */
  private static String problem(Call call, HttpResponse<String> r) {
    int s = r.statusCode();
    if (s >= 500 || s < 200 || (s >= 300 && s < 400)) {
      return "answered " + s + " " + abbreviate(r.body());
    }
    if (call.method().equals("HEAD")) {
      return null;
    }
    String type = r.headers().firstValue("Content-Type").orElse("");
    if (!type.startsWith("application/json")) {
      return "answered " + s + " as '" + type + "': " + abbreviate(r.body());
    }
    JsonNode body;
    try {
      body = Cluster.JSON.readTree(r.body());
    } catch (Exception e) {
      return "answered " + s + " with a body that is not JSON: " + abbreviate(r.body());
    }
    if (s >= 400 && (body == null || !body.path("error").isTextual() || body.path("error").asText().isBlank())) {
      return "answered " + s + " without an error message: " + abbreviate(r.body());
    }
    if (s == 429 && r.headers().firstValue("Retry-After").isEmpty()) {
      return "answered 429 without Retry-After";
    }
    return null;
  }

  private static HttpResponse<String> send(Cluster c, Call call) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(c.url(call.path())))
        .method(call.method(), call.body() == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofByteArray(call.body()))
        .timeout(Duration.ofSeconds(60));
    if (call.contentType() != null) {
      b.header("Content-Type", call.contentType());
    }
    String token = c.token();
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    // each hostile request on a connection of its own: after an answer given before the body was
    // read, the server may close the connection, and a pooled client would send the next request
    // into it (a broken pipe that says nothing about the server); a request the server drops
    // unanswered still fails here
    HttpClient fresh = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    return fresh.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  // --- the hostile values, picked by hand ---

  private static List<Call> hostile() {
    List<Call> calls = new ArrayList<>();
    String max = String.valueOf(Long.MAX_VALUE);
    String min = String.valueOf(Long.MIN_VALUE);
    // the request that once killed every worker JVM, and its neighbours
    for (String chunkSize : List.of("2147483647", "2147483648", "10001", "-1", "-2147483648", "1e10", "1.5",
        "99999999999999999999999999", "\"10\"", "true", "[]", "{}", "0", "10000")) {
      calls.add(Call.post("chunkSize " + chunkSize, "{\"function\": \"echo\", \"range\": {\"start\": 0, \"end\": " + max
          + "}, \"chunkSize\": " + chunkSize + "}"));
    }
    for (String[] range : new String[][] {{"0", max}, {min, max}, {max, min}, {min, "0"}, {max, max}, {"-1", "-5"},
        {"0", "9223372036854775808"}, {"-9223372036854775809", "0"}, {"0", "1e300"}, {"0", "1.0"}, {"\"0\"", "5"},
        {"null", "5"}, {"0", "[5]"}, {max + "0", "1"}, {"-0", "0"}}) {
      calls.add(Call.post("range " + range[0] + ".." + range[1],
          "{\"function\": \"echo\", \"range\": {\"start\": " + range[0] + ", \"end\": " + range[1] + "}}"));
    }
    for (int depth : new int[] {63, 64, 65, 1_000, 100_000}) {
      calls.add(Call.post("items nested " + depth, "{\"function\": \"echo\", \"items\": [" + "[".repeat(depth)
          + "]".repeat(depth) + "]}"));
      calls.add(Call.post("args nested " + depth, "{\"function\": \"echo\", \"items\": [1], \"args\": {\"a\": "
          + "{\"b\": ".repeat(depth) + "1" + "}".repeat(depth) + "}}"));
    }
    calls.add(Call.post("unclosed nesting", "{\"function\": \"echo\", \"items\": " + "[".repeat(200_000)));
    for (String number : List.of("1e400", "-1e400", "1" + "0".repeat(99), "1" + "0".repeat(100), "9".repeat(5_000),
        "0." + "1".repeat(200), "NaN", "Infinity", "0x10", "01", "-", "1e", ".5")) {
      calls.add(Call.post("number " + abbreviate(number), "{\"function\": \"echo\", \"items\": [" + number + "]}"));
      calls.add(Call.post("timeoutMs " + abbreviate(number), "{\"function\": \"echo\", \"items\": [1], \"timeoutMs\": "
          + number + "}"));
    }
    for (String field : List.of("function", "items", "range", "args", "chunkSize", "ordered", "timeoutMs")) {
      for (String value : List.of("1", "\"x\"", "true", "null", "[]", "{}", "[null]", "{\"start\": {}}", "-1")) {
        ObjectNode job = Cluster.JSON.createObjectNode().put("function", "echo");
        job.putArray("items").add(1).add(2);
        if (field.equals("range")) {
          job.remove("items");
        }
        job.set(field, json(value));
        calls.add(Call.post(field + " = " + value, job.toString()));
      }
    }
    for (String body : List.of("", " ", "{", "}", "null", "[]", "\"job\"", "12", "true", "{}", "{\"function\": \"echo\"}",
        "{\"function\": \"echo\", \"items\": [1]} trailing", "{\"function\": \"echo\", \"items\": [1],}",
        "{'function': 'echo', 'items': [1]}", "{\"function\": \"echo\", \"items\": [1]}{}", "\u0000",
        "{\"function\": \"\u0000\", \"items\": [1]}", "{\"function\": \"echo\", \"items\": [\"\\ud800\"]}",
        "{\"function\": \"" + "f".repeat(100_000) + "\", \"items\": [1]}",
        "{\"" + "k".repeat(100_000) + "\": 1}", "{\"function\": \"echo\", \"items\": [1], \"items\": [2]}")) {
      calls.add(Call.post("body " + abbreviate(body), body));
    }
    calls.add(new Call("invalid UTF-8", "POST", "/jobs", "application/json",
        new byte[] {'{', '"', 'f', (byte) 0xff, (byte) 0xfe, '"', ':', '1', '}'}));
    calls.add(new Call("a UTF-8 byte order mark", "POST", "/jobs", "application/json",
        ("\ufeff{\"function\": \"echo\", \"items\": [1]}").getBytes(StandardCharsets.UTF_8)));
    for (String charset : List.of("UTF-16", "UTF-16LE", "UTF-32")) {
      calls.add(new Call(charset, "POST", "/jobs", "application/json; charset=" + charset,
          "{\"function\": \"echo\", \"items\": [1], \"args\": {\"a\": 1}}".getBytes(java.nio.charset.Charset.forName(charset))));
    }
    calls.add(new Call("random bytes", "POST", "/jobs", "application/octet-stream", randomBytes(new Random(SEED), 4096)));
    String valid = "{\"function\": \"echo\", \"items\": [1, 2, 3]}";
    for (String type : new String[] {null, "text/plain", "application/xml", "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x", "application/json; charset=iso-8859-1", "*/*", "application/json; q=0",
        "x"}) {
      calls.add(new Call("content type " + type, "POST", "/jobs", type, valid.getBytes(StandardCharsets.UTF_8)));
    }
    for (String[] mp : new String[][] {{"PUT", "/jobs"}, {"PATCH", "/jobs"}, {"DELETE", "/jobs"}, {"OPTIONS", "/jobs"},
        {"TRACE", "/jobs"}, {"HEAD", "/jobs"}, {"FOO", "/jobs"}, {"POST", "/cluster"}, {"PUT", "/functions"},
        {"POST", "/jobs/abc"}, {"POST", "/jobs/abc/results"}, {"GET", "/jobs/abc"}, {"DELETE", "/jobs/abc"},
        {"GET", "/jobs/" + "a".repeat(2_000)}, {"GET", "/jobs/%2e%2e/cluster"}, {"GET", "/jobs/abc/results/more"},
        {"GET", "/jobs?limit=-1"}, {"GET", "/nothing"}, {"GET", "/jobs/%00"}, {"GET", "/jobs//results"}}) {
      calls.add(new Call(mp[0] + " " + abbreviate(mp[1]), mp[0], mp[1], "application/json",
          mp[0].equals("GET") || mp[0].equals("HEAD") || mp[0].equals("TRACE") ? null : valid.getBytes(StandardCharsets.UTF_8)));
    }
    calls.add(Call.post("an item over max-item-bytes", "{\"function\": \"echo\", \"items\": [\"" + "i".repeat(2 << 20) + "\"]}"));
    calls.add(Call.post("args over max-args-bytes", "{\"function\": \"echo\", \"items\": [1], \"args\": {\"a\": \""
        + "a".repeat(100_000) + "\"}}"));
    calls.add(Call.post("a body over max-body", "{\"function\": \"echo\", \"items\": [" + "1,".repeat(34 << 20) + "1]}"));
    calls.add(Call.post("many small items", "{\"function\": \"echo\", \"items\": [" + "7,".repeat(1 << 20) + "7]}"));
    return calls;
  }

  // --- bodies mutated from valid ones ---

  private static final List<String> SEEDS = List.of(
      "{\"function\": \"echo\", \"items\": [1, \"two\", {\"three\": [3]}, null, 5.5]}",
      "{\"function\": \"square\", \"range\": {\"start\": 0, \"end\": 1000}, \"chunkSize\": 10}",
      "{\"function\": \"sha256\", \"range\": {\"start\": -50, \"end\": 50}, \"ordered\": false}",
      "{\"function\": \"sleep\", \"items\": [1, 2, 3], \"args\": {\"ms\": 5}, \"timeoutMs\": 1000}",
      "{\"function\": \"echo\", \"items\": [[1, [2, [3]]], {\"a\": {\"b\": {}}}], \"args\": {\"x\": [1, 2]}, \"chunkSize\": 1}");

  private static final List<String> VALUES = List.of(
      String.valueOf(Long.MAX_VALUE), String.valueOf(Long.MIN_VALUE), "2147483647", "2147483648", "-1", "0", "1e308",
      "-1e-308", "99999999999999999999", "\"\"", "\"x\"", "null", "true", "[]", "{}", "[[[[[[[[[[]]]]]]]]]]",
      "[" + "[".repeat(80) + "]".repeat(80) + "]", "{\"start\": 0, \"end\": " + Long.MAX_VALUE + "}",
      "{\"start\": " + Long.MIN_VALUE + ", \"end\": " + Long.MAX_VALUE + "}", "\"" + "s".repeat(300) + "\"",
      "[1, 2, 3]", "{\"ms\": " + Long.MAX_VALUE + "}", "\"echo\"", "\"nope\"", "1" + "0".repeat(150));

  private static final String CHARS = "{}[]\":,0123456789-+.eE tfnul\\\u00e9\u0000\ud83d\ude00";

  private static List<Call> mutated(Random random, int n) {
    List<Call> calls = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String seed = SEEDS.get(random.nextInt(SEEDS.size()));
      String body = random.nextBoolean() ? structural(random, seed) : textual(random, seed);
      calls.add(Call.post("mutant " + i + " " + abbreviate(body), body));
    }
    return calls;
  }

  /** Replaces, adds or removes fields, at any depth, with hostile values. */
  private static String structural(Random random, String seed) {
    ObjectNode job = (ObjectNode) json(seed);
    for (int k = 1 + random.nextInt(3); k > 0; k--) {
      List<String> names = new ArrayList<>();
      job.fieldNames().forEachRemaining(names::add);
      JsonNode value = json(VALUES.get(random.nextInt(VALUES.size())));
      int choice = names.isEmpty() ? 2 : random.nextInt(4);
      switch (choice) {
        case 0 -> job.set(names.get(random.nextInt(names.size())), value);
        case 1 -> job.remove(names.get(random.nextInt(names.size())));
        case 2 -> job.set(List.of("function", "items", "range", "args", "chunkSize", "ordered", "timeoutMs", "extra")
            .get(random.nextInt(8)), value);
        default -> {
          if (job.get("range") instanceof ObjectNode r) {
            r.set(random.nextBoolean() ? "start" : "end", value);
          } else if (job.get("items") instanceof ArrayNode items) {
            items.add(value);
          }
        }
      }
    }
    return job.toString();
  }

  /** Deletes, inserts, repeats, swaps or cuts characters: mostly not JSON any more, sometimes still. */
  private static String textual(Random random, String seed) {
    StringBuilder b = new StringBuilder(seed);
    for (int k = 1 + random.nextInt(4); k > 0 && b.length() > 0; k--) {
      int at = random.nextInt(b.length());
      switch (random.nextInt(5)) {
        case 0 -> b.deleteCharAt(at);
        case 1 -> b.insert(at, CHARS.charAt(random.nextInt(CHARS.length())));
        case 2 -> {
          int end = Math.min(b.length(), at + 1 + random.nextInt(20));
          String slice = b.substring(at, end);
          b.insert(at, slice.repeat(1 + random.nextInt(50)));
        }
        case 3 -> {
          int other = random.nextInt(b.length());
          char x = b.charAt(at);
          b.setCharAt(at, b.charAt(other));
          b.setCharAt(other, x);
        }
        default -> b.setLength(at);
      }
    }
    return b.toString();
  }

  private static byte[] randomBytes(Random random, int n) {
    byte[] bytes = new byte[n];
    random.nextBytes(bytes);
    return bytes;
  }

  private static String abbreviate(String s) {
    String flat = s.replace("\n", "\\n");
    return flat.length() > 80 ? flat.substring(0, 77) + "..." : flat;
  }

  private static JsonNode json(String text) {
    try {
      return Cluster.JSON.readTree(text);
    } catch (Exception e) {
      throw new IllegalStateException("not JSON: " + text, e);
    }
  }
}
