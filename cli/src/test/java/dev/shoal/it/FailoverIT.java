package dev.shoal.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.net.URI;
import java.net.http.HttpRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Coordinators on a shared PostgreSQL journal (a real server: {@code .ci/run} installs Debian's
 * and makes the role {@code shoal}; {@code SHOAL_IT_PG} names another server as HOST:PORT): the
 * standby that takes over after a {@code kill -9} of the active coordinator recovers its jobs and
 * finishes them with the results of an undisturbed run; a journal that cannot be used stops a
 * coordinator at its start with one line.
 */
// several JVMs on two cores for minutes: the default two-minute net is for hangs, not for this
@Timeout(value = 6, unit = java.util.concurrent.TimeUnit.MINUTES)
class FailoverIT {

  private static final String SERVER = System.getenv().getOrDefault("SHOAL_IT_PG", "127.0.0.1:5432");
  private static String database;

  /** A database of this run's own, so runs never see each other's jobs. */
  @BeforeAll
  static void createDatabase() throws Exception {
    database = "shoal_it_" + System.currentTimeMillis();
    try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + SERVER + "/postgres", "shoal", "shoal");
        Statement st = c.createStatement()) {
      st.execute("CREATE DATABASE " + database);
    } catch (java.sql.SQLException e) {
      throw new AssertionError("FailoverIT needs PostgreSQL at " + SERVER + " with the role shoal/shoal (CREATEDB), "
          + "as .ci/run sets up: " + e.getMessage(), e);
    }
  }

  private static List<String> journal() {
    return List.of("--journal-url", "jdbc:postgresql://" + SERVER + "/" + database + "?user=shoal&password=shoal");
  }

  @Test
  void theStandbyTakesOverAKilledCoordinatorsJobsFromThePostgresJournalAndFinishesThem() throws Exception {
    try (Cluster c = new Cluster("failover", journal())) {
      int standbyHttp = Node.freePort();
      Node standby = c.startStandby(standbyHttp);
      c.startWorker(1);
      c.startWorker(1);
      c.awaitWorkers(2);
      c.awaitJson("/cluster", j -> j.path("members").size() == 4, Duration.ofSeconds(90), "standby and workers joined");
      String job = "{\"function\":\"sha256\",\"range\":{\"start\":0,\"end\":2000},\"args\":{\"rounds\":20000},"
          + "\"chunkSize\":10}";
      String id = c.submit(job);
      String queued = c.submit("{\"function\":\"square\",\"range\":{\"start\":0,\"end\":5000}}");
      // a job jar in the PostgreSQL journal, and a job of it queued: the standby serves the jar to the workers
      byte[] jar = Files.readAllBytes(dev.shoal.protocol.TestJars.function(Files.createDirectories(c.logs.resolve("jar")),
          "shout.jar", "shout", "\"shout:\" + item.asText()"));
      HttpResponse<String> uploaded = c.http.send(HttpRequest.newBuilder(URI.create(c.url("/jars?name=shout.jar")))
          .header("Authorization", "Bearer " + c.token()).POST(HttpRequest.BodyPublishers.ofByteArray(jar)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(201, uploaded.statusCode(), uploaded.body());
      String sha = Cluster.JSON.readTree(uploaded.body()).get("sha256").asText();
      String shout = "{\"function\":\"shout\",\"jar\":\"" + sha + "\",\"range\":{\"start\":0,\"end\":50}}";
      String queuedJar = c.submit(shout);
      // a client following the job, given both coordinators' URLs
      Path followed = c.logs.resolve("followed.jsonl");
      List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-XX:TieredStopAtLevel=1", "-jar", System.getProperty("shoal.jar"), "results", id,
          "--coordinator", c.url("") + ",http://127.0.0.1:" + standbyHttp, "--token-file",
          c.dataDir.resolve("api-token").toString(), "--follow-deadline", "180s", "--out", followed.toString()));
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(c.logs.resolve("follower.log").toFile());
      pb.environment().keySet().removeIf(k -> k.startsWith("SHOAL_"));
      Process follower = pb.start();
      c.awaitJson("/jobs/" + id, j -> j.path("done").asLong() >= 500, Duration.ofSeconds(180), "a quarter done");

      c.coordinator.kill();

      JsonNode end = c.awaitJson(standby, standbyHttp, "/jobs/" + id, j -> j.path("state").asText().equals("SUCCEEDED"),
          Duration.ofSeconds(180), "the job finished by the standby");
      assertEquals(2000, end.path("done").asLong(), end.toString());
      assertTrue(standby.logText().contains("recovered"), standby.logText());
      String afterFailover = results(c, standbyHttp, id);
      String undisturbed = Cluster.JSON.readTree(c.send(standbyHttp, "POST", "/jobs", job).body()).get("id").asText();
      c.awaitJson(standby, standbyHttp, "/jobs/" + undisturbed, j -> j.path("state").asText().equals("SUCCEEDED"),
          Duration.ofSeconds(180), "the undisturbed run");
      assertEquals(results(c, standbyHttp, undisturbed), afterFailover,
          "after the failover, the results of an undisturbed run");
      assertTrue(follower.waitFor(120, TimeUnit.SECONDS), "the follower ends with the job");
      String followerLog = Files.readString(c.logs.resolve("follower.log"));
      assertEquals(0, follower.exitValue(), followerLog);
      assertEquals(afterFailover, Files.readString(followed), "the follower printed every line once, in order");
      assertTrue(followerLog.contains("reconnected to http://127.0.0.1:" + standbyHttp), followerLog);
      c.awaitJson(standby, standbyHttp, "/jobs/" + queued, j -> j.path("state").asText().equals("SUCCEEDED"),
          Duration.ofSeconds(60), "the job queued behind it");
      String[] squares = results(c, standbyHttp, queued).split("\n");
      assertEquals(5000, squares.length);
      assertEquals("{\"index\":4999,\"value\":24990001}", squares[4999]);
      c.awaitJson(standby, standbyHttp, "/jobs/" + queuedJar, j -> j.path("state").asText().equals("SUCCEEDED"),
          Duration.ofSeconds(60), "the job of the job jar, recovered by the standby");
      String[] shouts = results(c, standbyHttp, queuedJar).split("\n");
      assertEquals(50, shouts.length);
      assertEquals("{\"index\":49,\"value\":\"shout:49\"}", shouts[49]);
      // the standby never saw the upload: it finds the jar in the shared journal
      String again = Cluster.JSON.readTree(c.send(standbyHttp, "POST", "/jobs", shout).body()).get("id").asText();
      c.awaitJson(standby, standbyHttp, "/jobs/" + again, j -> j.path("state").asText().equals("SUCCEEDED"),
          Duration.ofSeconds(60), "a new job of the jar, on the standby");
      assertEquals(String.join("\n", shouts) + "\n", results(c, standbyHttp, again));
    }
  }

  @Test
  void aJournalThatCannotBeUsedStopsTheCoordinatorAtItsStartWithOneLine() throws Exception {
    Path dir = Files.createDirectories(Path.of("target", "it-logs", "journal-refused-" + System.currentTimeMillis()));
    int free = Node.freePort();
    List<List<String>> cases = List.of(
        List.of("--journal-url", "jdbc:postgresql://" + SERVER + "/" + database + "?user=shoal&password=wrong"),
        List.of("--journal-url", "jdbc:postgresql://127.0.0.1:" + free + "/shoal?user=shoal&password=shoal"),
        List.of("--journal-url", "jdbc:mysql://127.0.0.1/shoal"),
        List.of("--data-dir", Files.writeString(dir.resolve("a-file"), "not a folder").resolve("data").toString()),
        List.of("--no-journal", "--journal-url", "jdbc:postgresql://" + SERVER + "/" + database));
    List<String> expected = List.of("password authentication failed", "Connection", "must start with jdbc:postgresql:",
        "cannot create", "contradict");
    for (int i = 0; i < cases.size(); i++) {
      List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-XX:TieredStopAtLevel=1", "-jar", System.getProperty("shoal.jar"), "coordinator", "--no-tls", "--no-auth",
          "--port", String.valueOf(Node.freePort()), "--http-port", String.valueOf(Node.freePort())));
      if (!cases.get(i).get(0).equals("--data-dir")) {
        cmd.addAll(List.of("--data-dir", dir.resolve("data-" + i).toString()));
      }
      cmd.addAll(cases.get(i));
      Path err = dir.resolve("err-" + i);
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(false).redirectError(err.toFile())
          .redirectOutput(dir.resolve("out-" + i).toFile());
      pb.environment().keySet().removeIf(k -> k.startsWith("SHOAL_"));
      Process p = pb.start();
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the coordinator stops by itself: " + cases.get(i));
      String text = Files.readString(err);
      assertNotEquals(0, p.exitValue(), text);
      // "shoal: error: ..." for a journal that fails, "shoal: ..." for options that contradict each other
      List<String> errors = text.lines()
          .filter(l -> l.startsWith("shoal: ") && !l.toLowerCase(java.util.Locale.ROOT).startsWith("shoal: warning")).toList();
      assertEquals(1, errors.size(), text);
      assertTrue(errors.get(0).contains(expected.get(i)), "case " + cases.get(i) + ": " + text);
      assertTrue(!text.contains("\tat "), "no stack trace: " + text);
      assertTrue(!text.contains("password=wrong") && !text.contains("password=shoal"), "no password shown: " + text);
    }
  }

  private static String results(Cluster c, int port, String id) throws Exception {
    HttpResponse<String> r = c.send(port, "GET", "/jobs/" + id + "/results", null);
    assertEquals(200, r.statusCode(), r.body());
    return r.body();
  }
}
