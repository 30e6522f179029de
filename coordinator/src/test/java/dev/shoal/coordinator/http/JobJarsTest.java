package dev.shoal.coordinator.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shoal.protocol.JarProtocol;
import dev.shoal.protocol.TestJars;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Job jars over the HTTP API, against a real coordinator with its journal and real worker actors
 * that have none of the jars' classes: a jar is uploaded once, named by its SHA-256, fetched by the
 * workers when a job names it, and run in a class loader of its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class JobJarsTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TOKEN = "jar-token";

  @TempDir
  Path work;

  private final HttpClient http = HttpClient.newHttpClient();
  private ServedCoordinator served;

  @BeforeAll
  void start(@TempDir Path cache) throws Exception {
    served = ServedCoordinator.start("job-jars-test", """
        shoal.coordinator.http.max-jar-bytes = 200k
        shoal.worker.jars.cache-dir = "%s"
        """.formatted(cache.toString().replace("\\", "/")), List.of("w1", "w2"), TOKEN, "jar-read-token");
  }

  @AfterAll
  void stop() throws Exception {
    served.close();
  }

  @Test
  void anUploadedJarRunsOnWorkersThatNeverHadIt() throws Exception {
    byte[] jar = Files.readAllBytes(TestJars.function(work, "greet.jar", "greet", "\"hello \" + item.asText()"));
    HttpResponse<String> up = upload("greet.jar", jar);
    assertEquals(201, up.statusCode(), up.body());
    JsonNode info = JSON.readTree(up.body());
    String sha = JarProtocol.sha256Hex(jar);
    assertEquals(sha, info.get("sha256").asText());
    assertEquals("greet.jar", info.get("name").asText());
    assertEquals(jar.length, info.get("size").asLong());
    assertEquals("greet", info.get("functions").get(0).get("name").asText());
    assertEquals("/jars/" + sha, up.headers().firstValue("Location").orElseThrow());
    assertEquals(200, upload("again.jar", jar).statusCode(), "the same bytes a second time are the same jar");

    String id = submit("{\"function\": \"greet\", \"jar\": \"" + sha + "\", \"items\": [\"a\", \"b\", \"c\"], \"chunkSize\": 1}");
    assertEquals("{\"index\":0,\"value\":\"hello a\"}\n{\"index\":1,\"value\":\"hello b\"}\n"
        + "{\"index\":2,\"value\":\"hello c\"}\n", results(id));
    assertEquals("SUCCEEDED", status(id).get("state").asText());

    JsonNode listed = JSON.readTree(send("GET", "/jars", null).body()).get("jars");
    assertTrue(listed.findValuesAsText("sha256").contains(sha), listed.toString());
    assertEquals("greet.jar", JSON.readTree(send("GET", "/jars/" + sha, null).body()).get("name").asText());
  }

  @Test
  void twoVersionsOfOneFunctionRunSideBySide() throws Exception {
    String v1 = sha(upload("count-1.jar", Files.readAllBytes(TestJars.function(work, "v1.jar", "count", "\"v1:\" + item.asText()"))));
    String v2 = sha(upload("count-2.jar", Files.readAllBytes(TestJars.function(work, "v2.jar", "count", "\"v2:\" + item.asText()"))));
    String one = submit("{\"function\": \"count\", \"jar\": \"" + v1 + "\", \"range\": {\"start\": 0, \"end\": 200}}");
    String two = submit("{\"function\": \"count\", \"jar\": \"" + v2 + "\", \"range\": {\"start\": 0, \"end\": 200}}");
    String r1 = results(one);
    String r2 = results(two);
    assertEquals(200, r1.lines().count());
    assertTrue(r1.lines().allMatch(l -> l.contains("\"v1:")), r1);
    assertTrue(r2.lines().allMatch(l -> l.contains("\"v2:")), r2);
    assertTrue(r2.endsWith("{\"index\":199,\"value\":\"v2:199\"}\n"), r2);
  }

  @Test
  void aJarWhoseBytesAreCorruptFailsOnlyItsJob() throws Exception {
    byte[] jar = Files.readAllBytes(TestJars.function(work, "broken.jar", "broken", "\"never\""));
    String sha = sha(upload("broken.jar", jar));
    // the stored bytes change under the jar's name (a damaged disk, a bad restore): no worker may load them
    byte[] damaged = jar.clone();
    damaged[damaged.length / 2] ^= 0x5a;
    try (Connection c = DriverManager.getConnection("jdbc:h2:file:" + served.dataDir.resolve("journal/shoal").toAbsolutePath()
            + ";WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE", "sa", "");
        PreparedStatement st = c.prepareStatement("UPDATE shoal_jars SET payload = ? WHERE sha256 = ?")) {
      st.setBytes(1, damaged);
      st.setString(2, sha);
      assertEquals(1, st.executeUpdate());
    }
    String bad = submit("{\"function\": \"broken\", \"jar\": \"" + sha + "\", \"range\": {\"start\": 0, \"end\": 10}}");
    String good = submit("{\"function\": \"square\", \"range\": {\"start\": 0, \"end\": 10}}");
    results(bad);
    JsonNode failed = status(bad);
    assertEquals("FAILED", failed.get("state").asText(), failed.toString());
    assertTrue(failed.get("message").asText().contains("job jar " + sha)
        && failed.get("message").asText().contains("not to the jar's SHA-256"), failed.toString());
    assertEquals(10, results(good).lines().count());
    assertEquals("SUCCEEDED", status(good).get("state").asText());
  }

  @Test
  void aJobNamingAJarItCannotRunIsRefusedAtOnce() throws Exception {
    String sha = sha(upload("named.jar", Files.readAllBytes(TestJars.function(work, "named.jar", "named", "\"x\""))));
    assertError(send("POST", "/jobs", "{\"function\": \"other\", \"jar\": \"" + sha + "\", \"items\": [1]}"), 400,
        "jar named.jar (" + sha + ") has no function 'other'; it has: named");
    String unknown = "0".repeat(64);
    assertError(send("POST", "/jobs", "{\"function\": \"named\", \"jar\": \"" + unknown + "\", \"items\": [1]}"), 400,
        "no jar " + unknown + " here: upload it first");
    assertError(send("POST", "/jobs", "{\"function\": \"named\", \"jar\": \"abc\", \"items\": [1]}"), 400,
        "jar must be the sha256 of an uploaded jar");
  }

  @Test
  void whatIsNotAJarOfFunctionsIsRefused() throws Exception {
    assertError(upload("junk.jar", "not a zip".getBytes()), 400, "not a jar of Shoal functions");
    assertError(upload("bare.jar", Files.readAllBytes(TestJars.function(work, "bare.jar", "bare", "\"\"", "", null))), 400,
        "lists no function in META-INF/services/dev.shoal.api.ShoalFunction");
    assertError(upload("empty.jar", new byte[0]), 400, "the body is empty");
    assertError(upload("huge.jar", new byte[300 * 1024]), 413, "max-jar-bytes");
    // larger than the sockets' buffers: a 413 sent before the body is read must still reach the client
    for (int i = 0; i < 30; i++) {
      assertError(upload("huger.jar", new byte[4 << 20]), 413, "max-jar-bytes");
    }
    HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(served.base.resolve("/jars"))
        .POST(BodyPublishers.ofByteArray(new byte[] {1})).build(), BodyHandlers.ofString());
    assertEquals(401, anonymous.statusCode(), anonymous.body());
  }

  @Test
  void aJarIsNotDeletedWhileAJobRunsIt() throws Exception {
    String sha = sha(upload("slow.jar", Files.readAllBytes(TestJars.function(work, "slow.jar", "slow",
        "slow(item)", "static String slow(JsonNode item) throws Exception { Thread.sleep(item.asLong()); return \"slept\"; }",
        "plug.Impl\n"))));
    String id = submit("{\"function\": \"slow\", \"jar\": \"" + sha + "\", \"items\": [600000]}");
    assertError(send("DELETE", "/jars/" + sha, null), 409, "jar " + sha + " is run by jobs not yet ended: " + id);
    assertEquals("CANCELLED", JSON.readTree(send("DELETE", "/jobs/" + id, null).body()).get("state").asText());
    HttpResponse<String> deleted = send("DELETE", "/jars/" + sha, null);
    assertEquals(200, deleted.statusCode(), deleted.body());
    assertError(send("GET", "/jars/" + sha, null), 404, "no jar " + sha);
    assertError(send("DELETE", "/jars/" + sha, null), 404, "no jar " + sha);
    assertError(send("GET", "/jars/nonsense", null), 404, "a jar is named by its sha256");
  }

  // --- the client side of the API ---

  private HttpResponse<String> upload(String name, byte[] jar) throws Exception {
    return http.send(HttpRequest.newBuilder(served.base.resolve("/jars?name=" + name))
        .header("Authorization", "Bearer " + TOKEN)
        .header("Content-Type", "application/java-archive")
        .POST(BodyPublishers.ofByteArray(jar)).build(), BodyHandlers.ofString());
  }

  private static String sha(HttpResponse<String> uploaded) throws Exception {
    assertTrue(uploaded.statusCode() == 201 || uploaded.statusCode() == 200, uploaded.body());
    return JSON.readTree(uploaded.body()).get("sha256").asText();
  }

  private String submit(String body) throws Exception {
    HttpResponse<String> r = send("POST", "/jobs", body);
    assertEquals(202, r.statusCode(), r.body());
    return JSON.readTree(r.body()).get("id").asText();
  }

  private JsonNode status(String id) throws Exception {
    return JSON.readTree(send("GET", "/jobs/" + id, null).body());
  }

  private String results(String id) throws Exception {
    HttpResponse<String> r = send("GET", "/jobs/" + id + "/results", null);
    assertEquals(200, r.statusCode(), r.body());
    return r.body();
  }

  private HttpResponse<String> send(String method, String path, String body) throws Exception {
    return http.send(HttpRequest.newBuilder(served.base.resolve(path))
        .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body))
        .header("Content-Type", "application/json")
        .header("Authorization", "Bearer " + TOKEN)
        .timeout(Duration.ofSeconds(60)).build(), BodyHandlers.ofString());
  }

  private static void assertError(HttpResponse<String> r, int status, String fragment) throws Exception {
    assertEquals(status, r.statusCode(), r.body());
    assertEquals("application/json", r.headers().firstValue("Content-Type").orElseThrow(), r.body());
    String error = JSON.readTree(r.body()).get("error").asText();
    assertTrue(error.contains(fragment), error);
  }
}
