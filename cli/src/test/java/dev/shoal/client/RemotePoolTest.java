package dev.shoal.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.api.JobRequest;
import dev.shoal.api.JobState;
import dev.shoal.api.JobStatus;
import dev.shoal.api.Scheduling;
import dev.shoal.api.FunctionInfo;
import java.io.BufferedReader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/** The Java API against a coordinator's HTTP API: the same calls, the same answers as a local pool. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 2, unit = TimeUnit.MINUTES) // a safety net: a results stream that never ends fails its test
class RemotePoolTest {

  private ServedPool served;
  private RemotePool pool;

  @BeforeAll
  void start() throws Exception {
    served = ServedPool.start();
    pool = Shoal.connect(served.url() + "/", ServedPool.TOKEN);
  }

  @AfterAll
  void stop() throws Exception {
    pool.close();
    served.close();
  }

  @Test
  void mapOverARangeGivesTheAnchorDigest() throws Exception {
    List<JsonNode> hashes = pool.map(JobRequest.of("sha256"), Items.range(0, 2000));
    String joined = hashes.stream().map(h -> h.asText() + "\n").collect(Collectors.joining());
    String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(joined.getBytes(StandardCharsets.UTF_8)));
    assertEquals("dc90cf85630cf9c1e704e80287cc053a2a038d55d55694732106797c609ea860", digest);
  }

  @Test
  void javaObjectsGoAsJsonAndComeBackInOrder() {
    assertEquals(List.of(1L, 4L, 9L), pool.map("square", List.of(1, 2, 3)).stream().map(JsonNode::asLong).toList());
    List<JsonNode> echoed = pool.map("echo", List.of("x", Map.of("k", List.of(1, 2)), 2.5));
    assertEquals(List.of("\"x\"", "{\"k\":[1,2]}", "2.5"), echoed.stream().map(JsonNode::toString).toList());
  }

  @Test
  void jsonLinesGoAsItems() {
    Items lines = Items.lines(new BufferedReader(new StringReader("1\n\n\"two\"\n{\"three\": 3}\n")));
    assertEquals(List.of("1", "\"two\"", "{\"three\":3}"),
        pool.map(JobRequest.of("echo"), lines).stream().map(JsonNode::toString).toList());
  }

  @Test
  void aLineThatIsNotJsonIsThatItemsErrorInPlaceAsInALocalPool() {
    Items lines = Items.lines(new BufferedReader(new StringReader("1\nnot json\n3\n")));
    try (JobHandle job = pool.submit(JobRequest.of("echo"), lines)) {
      List<ItemResult> results = Pool.stream(job).toList();
      assertEquals(3, results.size());
      assertEquals("InvalidItem", results.get(1).error().type());
      assertEquals(3, results.get(2).value().asInt());
      assertEquals(JobState.COMPLETED_WITH_ERRORS, job.await().state());
    }
  }

  @Test
  void aStreamOfAnyLengthIsUploadedLazilyAndComesBackInOrder() {
    long n = 300_000;
    java.util.concurrent.atomic.AtomicLong produced = new java.util.concurrent.atomic.AtomicLong();
    java.util.stream.Stream<Long> items = java.util.stream.LongStream.range(0, n).boxed().peek(i -> produced.incrementAndGet());
    long[] next = {0};
    try (java.util.stream.Stream<ItemResult> results = pool.imap("square", items)) {
      results.forEach(r -> {
        assertEquals(next[0], r.index());
        assertEquals(next[0] * next[0], r.value().asLong());
        next[0]++;
      });
    }
    assertEquals(n, next[0], "one result per item");
    assertEquals(n, produced.get(), "every item was read once");
  }

  @Test
  void aCollectionLargerThanOneRequestIsUploaded() {
    List<Integer> items = java.util.stream.IntStream.range(0, RemotePool.INLINE_ITEMS + 5).boxed().toList();
    List<JsonNode> echoed = pool.map("echo", items);
    assertEquals(items, echoed.stream().map(JsonNode::asInt).toList());
  }

  @Test
  void itemsThatCannotBeReadFailTheJobNamingWhy() {
    Iterable<Object> broken = () -> java.util.stream.Stream.<Object>iterate(0, i -> {
      if ((Integer) i == 50_000) {
        throw new IllegalStateException("the item source broke at 50000");
      }
      return (Integer) i + 1;
    }).iterator();
    try (JobHandle job = pool.submit(JobRequest.of("echo"), Items.of(broken))) {
      Pool.stream(job).forEach(r -> assertTrue(r.ok()));
      JobStatus status = job.await();
      assertEquals(JobState.FAILED, status.state(), status.toString());
      assertTrue(status.message().contains("input ended before it was closed: cannot read the items: the item source broke at 50000"),
          status.message());
      IllegalStateException e = assertThrows(IllegalStateException.class, job::awaitInput);
      assertTrue(e.getMessage().contains("the item source broke"), e.getMessage());
    }
  }

  @Test
  void resultsStreamWhileTheJobRunsAndCancelStopsIt() {
    // item 3 sleeps ten minutes: the job cannot end before it is cancelled
    JobHandle job = pool.submit(new JobRequest("sleep", "{}", 1, true, 0), Items.of(List.of(0, 1, 2, 600000)));
    try {
      Iterator<ResultChunk> chunks = job.chunks();
      ResultChunk first = chunks.next();
      assertEquals(0, first.firstIndex());
      assertEquals(JobState.RUNNING, job.status().state());
      job.cancel();
      assertEquals(JobState.CANCELLED, job.await().state());
      assertEquals(JobState.CANCELLED, pool.status(job.id()).state());
    } finally {
      pool.cancel(job.id());
    }
  }

  @Test
  void aFailedItemIsNamedByMap() {
    ItemFailedException e = assertThrows(ItemFailedException.class,
        () -> pool.map(new JobRequest("fail", "{\"items\": [2, 4]}", 0, true, 0), Items.range(0, 6)));
    assertEquals(2, e.index());
    assertEquals(2, e.failedItems());
  }

  @Test
  void imapUnorderedGivesEveryIndexOnce() {
    try (Stream<ItemResult> results = pool.imapUnordered("square", List.of(5, 6, 7, 8))) {
      assertEquals(Map.of(0L, 25L, 1L, 36L, 2L, 49L, 3L, 64L),
          results.collect(Collectors.toMap(ItemResult::index, r -> r.value().asLong())));
    }
  }

  @Test
  void aJobsSchedulingGoesWithItToTheCoordinator() {
    JobHandle job = pool.submit(JobRequest.of("square").withScheduling(new Scheduling(4, 2, 1, 250)), Items.range(0, 3));
    JobStatus done = job.await();
    assertEquals(JobState.SUCCEEDED, done.state());
    assertEquals(4, done.priority());
    assertEquals(2, done.weight());
  }

  @Test
  void aJobCanBeReadAgainByItsId() {
    JobHandle job = pool.submit(JobRequest.of("square"), Items.range(0, 3));
    JobStatus done = job.await();
    assertEquals(JobState.SUCCEEDED, done.state());
    List<Long> again = new ArrayList<>();
    Pool.stream(pool.job(job.id())).forEach(r -> again.add(r.value().asLong()));
    assertEquals(List.of(0L, 1L, 4L), again);
    assertTrue(pool.jobs().stream().anyMatch(s -> s.id().equals(job.id())));
  }

  @Test
  void theClusterAndItsFunctionsAreShown() {
    assertEquals(2, pool.cluster().workers().size());
    List<String> names = pool.functions().stream().map(FunctionInfo::name).toList();
    assertTrue(names.containsAll(List.of("sha256", "sleep", "square", "echo")), names.toString());
  }

  @Test
  void mistakesAreTheLocalPoolsExceptions() {
    IllegalArgumentException rejected = assertThrows(IllegalArgumentException.class, () -> pool.map("nope", List.of(1)));
    assertTrue(rejected.getMessage().contains("unknown function 'nope'"), rejected.getMessage());
    assertThrows(UnknownJobException.class, () -> pool.status("nosuchjob"));
    assertThrows(UnknownJobException.class, () -> pool.cancel("nosuchjob"));
    assertThrows(UnknownJobException.class, () -> pool.job("../cluster"));
    UnsupportedOperationException lambda =
        assertThrows(UnsupportedOperationException.class, () -> pool.map((Integer x) -> x * 2, List.of(1)));
    assertTrue(lambda.getMessage().contains("local pool"), lambda.getMessage());
  }

  @Test
  void aCoordinatorThatIsNotThereIsNamed() throws Exception {
    String url = ServedPool.closedUrl();
    CoordinatorUnreachableException e = assertThrows(CoordinatorUnreachableException.class,
        () -> Shoal.connect(url).withFollowDeadline(Duration.ZERO).functions());
    assertEquals("cannot reach the coordinator at " + url + ": connection refused", e.getMessage());
  }

  @Test
  void aResultsStreamCutEveryFewKilobytesGivesEveryIndexOnceInOrderAsUndisturbed() throws Exception {
    JobHandle direct = pool.submit(JobRequest.of("sha256"), Items.range(0, 3000));
    String undisturbed = lines(direct);
    try (TcpProxy proxy = TcpProxy.to(served.url())) {
      proxy.cutAfter(16 * 1024);
      Heard heard = new Heard();
      RemotePool cut = Shoal.connect(proxy.url(), ServedPool.TOKEN).withFollowListener(heard);
      JobHandle job = cut.submit(JobRequest.of("sha256"), Items.range(0, 3000));
      assertEquals(undisturbed, lines(job));
      assertEquals(JobState.SUCCEEDED, job.await().state());
      assertEquals(undisturbed, lines(cut.job(direct.id())), "a finished job read again through the cuts");
      assertTrue(proxy.cuts() >= 20, "the stream was cut " + proxy.cuts() + " times");
      assertTrue(heard.resumedAt.size() >= 20 && heard.resumedAt.get(0) > 0, "resumed at items " + heard.resumedAt);
    }
    // a reader that does not ask for frames (curl) gets the same results as JSON Lines
    java.net.http.HttpResponse<String> plain = java.net.http.HttpClient.newHttpClient().send(
        java.net.http.HttpRequest.newBuilder(java.net.URI.create(served.url() + "/jobs/" + direct.id() + "/results"))
            .header("Authorization", "Bearer " + ServedPool.TOKEN).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    assertEquals("application/x-ndjson", plain.headers().firstValue("Content-Type").orElse(""));
    assertEquals(undisturbed, plain.body());
  }

  /** A job's results as the JSON Lines {@code shoal run} writes, every index checked to come once, in order. */
  private static String lines(JobHandle job) {
    StringBuilder text = new StringBuilder();
    long next = 0;
    for (Iterator<ResultChunk> it = job.chunks(); it.hasNext(); ) {
      for (ItemResult r : it.next().items()) {
        assertEquals(next++, r.index(), "every index once, in order");
        text.append("{\"index\":").append(r.index()).append(",\"value\":").append(r.value()).append("}\n");
      }
    }
    return text.toString();
  }

  @Test
  void aCoordinatorGoneUntilTheJobHasEndedIsFollowedAndTheResultsArriveInFull() throws Exception {
    List<Integer> items = new ArrayList<>(java.util.Collections.nCopies(100, 0));
    items.add(3000); // the job is still running when the proxy goes down
    items.addAll(java.util.Collections.nCopies(100, 0));
    try (TcpProxy proxy = TcpProxy.to(served.url())) {
      Heard heard = new Heard();
      RemotePool followed = Shoal.connect(proxy.url(), ServedPool.TOKEN).withFollowListener(heard);
      JobHandle job = followed.submit(new JobRequest("sleep", "{}", 1, true, 0), Items.of(items));
      List<Long> indices = java.util.Collections.synchronizedList(new ArrayList<>());
      java.util.concurrent.CompletableFuture<JobStatus> read = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
        Pool.stream(job).forEach(r -> indices.add(r.index()));
        return job.await();
      });
      await(() -> indices.size() >= 50, "the first results");
      proxy.down();
      await(() -> !heard.unreachable.isEmpty(), "the client to find the coordinator gone");
      await(() -> pool.status(job.id()).state().isFinal(), "the job to end while its client cannot reach it");
      proxy.up(served.url());
      assertEquals(JobState.SUCCEEDED, read.get(60, TimeUnit.SECONDS).state());
      assertEquals(java.util.stream.LongStream.range(0, 201).boxed().toList(), indices);
      assertTrue(heard.resumedAt.get(heard.resumedAt.size() - 1) >= 50, "resumed at lines " + heard.resumedAt);
    }
  }

  @Test
  void aCoordinatorThatForgotTheJobEndsTheStreamNamingIt() throws Exception {
    try (TcpProxy proxy = TcpProxy.to(served.url()); ServedPool other = ServedPool.start()) {
      RemotePool followed = Shoal.connect(proxy.url(), ServedPool.TOKEN);
      // item 2 sleeps ten minutes: the job runs until the test cancels it
      JobHandle job = followed.submit(new JobRequest("sleep", "{}", 1, true, 0), Items.of(List.of(0, 0, 600000)));
      try {
        Iterator<ResultChunk> chunks = job.chunks();
        assertEquals(0, chunks.next().firstIndex());
        proxy.down();
        proxy.up(other.url()); // a coordinator that never heard of the job
        UnknownJobException e = assertThrows(UnknownJobException.class, () -> {
          while (chunks.hasNext()) {
            chunks.next();
          }
        });
        assertTrue(e.getMessage().startsWith("job " + job.id() + " is not known to the coordinator at " + proxy.url()
            + " after the reconnect (its results broke off after line "), e.getMessage());
      } finally {
        // whatever happened above, a ten-minute item must not hold the shared pool's worker
        pool.cancel(job.id());
      }
    }
  }

  @Test
  void aListOfUrlsWithADeadOneFirstMovesOnToTheLiveOne() throws Exception {
    String dead = ServedPool.closedUrl();
    RemotePool listed = Shoal.connect(dead + "," + served.url(), ServedPool.TOKEN);
    assertEquals(dead, listed.url(), "the first URL, until it fails");
    assertEquals(List.of(1L, 4L, 9L), listed.map("square", List.of(1, 2, 3)).stream().map(JsonNode::asLong).toList());
    assertEquals(served.url(), listed.url());
  }

  @Test
  void onlyDeadUrlsEndAtTheDeadlineNamingEveryUrlAndTheDeadline() throws Exception {
    String a = ServedPool.closedUrl();
    String b = ServedPool.closedUrl();
    Heard heard = new Heard();
    RemotePool dead = Shoal.connect(a + ", " + b, ServedPool.TOKEN).withFollowDeadline(Duration.ofSeconds(1)).withFollowListener(heard);
    CoordinatorUnreachableException e = assertThrows(CoordinatorUnreachableException.class,
        () -> dead.submit(JobRequest.of("square"), Items.range(0, 3)));
    assertEquals("cannot reach the coordinator at " + a + ", " + b
        + ": connection refused (retried for the follow deadline of 1 s)", e.getMessage());
    assertEquals(List.of(a), heard.unreachable, "one word when the coordinator is lost, not one per retry");
  }

  @Test
  void aSubmissionCutOffAfterItWasSentIsNotSentAgain() throws Exception {
    try (TcpProxy proxy = TcpProxy.to(served.url())) {
      proxy.cutAfter(0);
      RemotePool cut = Shoal.connect(proxy.url(), ServedPool.TOKEN);
      CoordinatorUnreachableException e = assertThrows(CoordinatorUnreachableException.class,
          () -> cut.submit(JobRequest.of("square"), Items.range(0, 3)));
      assertTrue(e.getMessage().endsWith("(not retried: the request may have reached the coordinator)"), e.getMessage());
      assertEquals(1, proxy.connections(), "one attempt");
    }
  }

  /** What a pool's {@link FollowListener} heard. */
  private static final class Heard implements FollowListener {
    final List<String> unreachable = new java.util.concurrent.CopyOnWriteArrayList<>();
    final List<Long> resumedAt = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    public void unreachable(String url, String why, java.time.Instant until) {
      unreachable.add(url);
    }

    @Override
    public void reconnected(String url, long line) {
      resumedAt.add(line);
    }
  }

  /** Waits until {@code what} holds, failing after a minute. */
  private static void await(java.util.function.BooleanSupplier what, String description) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
    while (!what.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + description);
      }
      Thread.sleep(20);
    }
  }

  @Test
  void aMissingOrWrongTokenIsRefusedWithAClearError() {
    AccessDeniedException none = assertThrows(AccessDeniedException.class, () -> Shoal.connect(served.url()).functions());
    assertTrue(none.getMessage().contains("needs an Authorization: Bearer <token> header")
        && none.getMessage().contains("no API token was given"), none.getMessage());
    AccessDeniedException wrong = assertThrows(AccessDeniedException.class,
        () -> Shoal.connect(served.url(), "not-the-token").submit(JobRequest.of("square"), Items.range(0, 3)));
    assertTrue(wrong.getMessage().contains("the API token is not valid"), wrong.getMessage());
    assertFalse(wrong.getMessage().contains("not-the-token"), "the token is never echoed: " + wrong.getMessage());
  }

  @Test
  void aBadUrlIsRefusedAtOnce() {
    for (String bad : List.of("ftp://host:1", "localhost:8080", "http://")) {
      assertThrows(IllegalArgumentException.class, () -> Shoal.connect(bad), bad);
    }
    assertFalse(Shoal.connect("http://somewhere:8080/").url().endsWith("/"));
  }
}
