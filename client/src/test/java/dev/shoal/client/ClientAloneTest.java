package dev.shoal.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shoal.api.JobRequest;
import java.io.File;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What a program gets from {@code shoal-client} alone: the API's types and {@code Shoal.connect},
 * with nothing of Pekko on its class path; local mode refused with a message naming the artifact
 * it needs. (A connected pool on a real cluster: the example project's ExampleIT.)
 */
class ClientAloneTest {

  @Test
  void theClientsClassPathHoldsTheApiAndJacksonAndNoPekko() {
    List<String> classPath = Arrays.asList(System.getProperty("java.class.path").split(File.pathSeparator));
    assertTrue(classPath.stream().anyMatch(p -> p.contains("shoal-api") || p.endsWith("api/target/classes")),
        "shoal-api is on the class path: " + classPath);
    assertTrue(classPath.stream().noneMatch(p -> p.toLowerCase(java.util.Locale.ROOT).contains("pekko")),
        "no Pekko artifact: " + classPath);
    assertTrue(classPath.stream().noneMatch(p -> p.contains("shoal-coordinator") || p.contains("shoal-shared-protocol")),
        "no engine module: " + classPath);
    assertThrows(ClassNotFoundException.class, () -> Class.forName("org.apache.pekko.actor.ActorSystem"));
  }

  @Test
  void localModeWithoutShoalLocalIsRefusedNamingTheArtifact() {
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> Shoal.local(2));
    assertTrue(e.getMessage().contains("dev.shoal:shoal-local"), e.getMessage());
  }

  @Test
  void aPoolOnACoordinatorThatIsNotThereSaysSoAfterItsFollowDeadline() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    try (RemotePool pool = Shoal.connect("http://127.0.0.1:" + port).withFollowDeadline(Duration.ofMillis(300))) {
      CoordinatorUnreachableException e = assertThrows(CoordinatorUnreachableException.class, pool::functions);
      assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
      assertThrows(CoordinatorUnreachableException.class,
          () -> pool.submit(JobRequest.of("square"), Items.range(0, 1)).await());
    }
  }

  @Test
  void aRangeBackwardsIsRefusedWhereItIsMade() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Items.range(5, 4));
    assertEquals("range end 4 is before its start 5", e.getMessage());
  }
}
