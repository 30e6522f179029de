package dev.shoal.coordinator.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shoal.coordinator.job.JobState;
import dev.shoal.coordinator.job.JobStatus;
import dev.shoal.protocol.ChunkResults;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A results stream following its file: what it reads, when it ends, and when it gives up. */
class SpoolReaderTest {

  private static final ActorTestKit KIT = ActorTestKit.create("spool-reader-test");
  private static final Executor IO = KIT.system().dispatchers().lookup(DispatcherSelector.blocking());

  @TempDir
  Path dir;

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  @Test
  void readsWhatIsWrittenWhileItIsWrittenAndEndsWithTheJob() throws Exception {
    SpoolFile file = (SpoolFile) Spool.open(dir, 10).sinkFor("live");
    CompletionStage<List<ByteString>> read = follow(file, Duration.ofMinutes(1), () -> CompletableFuture.completedFuture(true));
    file.write(0, new ChunkResults(new long[] {1, 2}, null, List.of()));
    file.write(2, new ChunkResults(null, List.of("\"three\""), List.of()));
    assertFalse(read.toCompletableFuture().isDone(), "the job has not ended");
    file.close(status("live"));
    String all = read.toCompletableFuture().get(30, TimeUnit.SECONDS).stream().map(ByteString::utf8String)
        .reduce("", String::concat);
    assertEquals(Files.readString(file.path()), all);
    assertEquals("{\"index\":0,\"value\":1}\n{\"index\":1,\"value\":2}\n{\"index\":2,\"value\":\"three\"}\n", all);
  }

  @Test
  void aQuietJobThatStillExistsIsWaitedFor() throws Exception {
    SpoolFile file = (SpoolFile) Spool.open(dir, 10).sinkFor("quiet");
    AtomicInteger checks = new AtomicInteger();
    CompletableFuture<Boolean> checkedTwice = new CompletableFuture<>();
    CompletionStage<List<ByteString>> read = follow(file, Duration.ofMillis(1), () -> {
      if (checks.incrementAndGet() == 2) {
        checkedTwice.complete(true);
      }
      return CompletableFuture.completedFuture(true);
    });
    checkedTwice.get(30, TimeUnit.SECONDS);
    file.write(0, new ChunkResults(new long[] {5}, null, List.of()));
    file.close(status("quiet"));
    assertEquals(1, read.toCompletableFuture().get(30, TimeUnit.SECONDS).size());
  }

  @Test
  void aJobThatIsGoneBreaksTheStreamOff() {
    SpoolFile file = (SpoolFile) Spool.open(dir, 10).sinkFor("gone");
    CompletionStage<List<ByteString>> read = follow(file, Duration.ofMillis(1), () -> CompletableFuture.completedFuture(false));
    ExecutionException e = assertThrows(ExecutionException.class, () -> read.toCompletableFuture().get(30, TimeUnit.SECONDS));
    assertInstanceOf(IllegalStateException.class, e.getCause());
    assertTrue(e.getCause().getMessage().contains("job gone is gone"), e.getCause().getMessage());
  }

  private static CompletionStage<List<ByteString>> follow(SpoolFile file, Duration check, Supplier<CompletionStage<Boolean>> exists) {
    return SpoolReader.follow(file, IO, check, exists).runWith(Sink.seq(), KIT.system());
  }

  private static JobStatus status(String id) {
    return new JobStatus(id, "echo", JobState.SUCCEEDED, 3, 3, 0, 1, 1, 2, 1, 0, true, null, 0, 1, 0);
  }
}
