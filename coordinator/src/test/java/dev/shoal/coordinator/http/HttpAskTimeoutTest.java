package dev.shoal.coordinator.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.shoal.coordinator.Coordinator;
import dev.shoal.coordinator.CoordinatorSettings;
import dev.shoal.api.JobRequest;
import dev.shoal.coordinator.job.RangeSource;
import dev.shoal.coordinator.job.ResultSink;
import dev.shoal.api.ChunkResults;
import dev.shoal.protocol.CoordinatorProtocol;
import dev.shoal.protocol.FunctionRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.junit.jupiter.api.Test;

/**
 * The HTTP API when the coordinator does not answer in time: a real coordinator whose one thread is
 * held (a job's {@code sinkFor} blocks, as a slow disk could make it) answers nothing for a while,
 * and a request in that time gets a 503 naming the wait, not a hang or a 500.
 */
class HttpAskTimeoutTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void aCoordinatorThatDoesNotAnswerWithinTheAskTimeoutIsA503() throws Exception {
    Config config = ConfigFactory.parseString("""
        pekko.actor.provider = local
        shoal.coordinator.http.ask-timeout = 300ms
        """).withFallback(ConfigFactory.load());
    ActorTestKit kit = ActorTestKit.create("http-ask-timeout-test", config);
    CountDownLatch held = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try {
      CoordinatorSettings settings = CoordinatorSettings.fromConfig(config);
      ActorRef<CoordinatorProtocol.Command> coordinator = kit.spawn(
          Coordinator.create(FunctionRegistry.load(null, false), settings), "coordinator");
      ServerBinding binding = HttpApi.start(kit.system(), coordinator, "127.0.0.1", 0, ApiAccess.tokens("t", null),
          java.util.Optional.empty(), settings.metrics(), new dev.shoal.coordinator.durable.Durability(
              dev.shoal.coordinator.durable.JournalDatabase.open("jdbc:h2:mem:ask-timeout;DB_CLOSE_DELAY=-1", "sa", "")))
          .toCompletableFuture().get(30, TimeUnit.SECONDS);
      URI jobs = URI.create("http://127.0.0.1:" + binding.localAddress().getPort() + "/jobs");
      HttpClient http = HttpClient.newHttpClient();
      HttpRequest list = HttpRequest.newBuilder(jobs).header("Authorization", "Bearer t").timeout(Duration.ofSeconds(30)).build();
      assertEquals(200, http.send(list, HttpResponse.BodyHandlers.ofString()).statusCode());

      TestProbe<Coordinator.SubmitReply> reply = kit.createTestProbe(Coordinator.SubmitReply.class);
      coordinator.tell(new Coordinator.SubmitJob(JobRequest.of("square"), new RangeSource(0, 3), id -> {
        held.countDown();
        await(release);
        return new NoSink();
      }, reply.ref()));
      await(held);

      HttpResponse<String> r = http.send(list, HttpResponse.BodyHandlers.ofString());
      assertEquals(503, r.statusCode(), r.body());
      assertEquals("application/json", r.headers().firstValue("Content-Type").orElseThrow());
      JsonNode body = JSON.readTree(r.body());
      assertEquals("the coordinator did not answer within 300 ms", body.get("error").asText());

      release.countDown();
      assertInstanceOf(Coordinator.JobAccepted.class, reply.receiveMessage(Duration.ofSeconds(30)));
      assertEquals(200, http.send(list, HttpResponse.BodyHandlers.ofString()).statusCode(), "answers again once free");
      binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } finally {
      release.countDown();
      kit.shutdownTestKit();
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      if (!latch.await(60, TimeUnit.SECONDS)) {
        throw new AssertionError("gave up waiting after 60 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Results of a job nobody reads. */
  private static final class NoSink implements ResultSink {
    @Override
    public void write(long firstIndex, ChunkResults results) {}

    @Override
    public void close(dev.shoal.api.JobStatus status) {}
  }
}
