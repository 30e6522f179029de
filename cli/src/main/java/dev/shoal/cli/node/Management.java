package dev.shoal.cli.node;

import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.management.javadsl.PekkoManagement;

/** Starts Pekko Management: {@code /alive} and {@code /ready} (an Up cluster member) for health checks. */
final class Management {

  private Management() {}

  static void start(ActorSystem<?> system) throws Exception {
    PekkoManagement.get(system).start().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }
}
