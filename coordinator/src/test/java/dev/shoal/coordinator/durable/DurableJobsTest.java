package dev.shoal.coordinator.durable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.shoal.coordinator.Coordinator;
import dev.shoal.coordinator.CoordinatorSettings;
import dev.shoal.api.JobRequest;
import dev.shoal.api.JobState;
import dev.shoal.api.JobStatus;
import dev.shoal.coordinator.job.RangeSource;
import dev.shoal.protocol.CoordinatorProtocol;
import dev.shoal.api.FunctionKind;
import dev.shoal.protocol.FunctionRegistry;
import dev.shoal.api.ShoalFunction;
import dev.shoal.worker.Worker;
import dev.shoal.worker.WorkerExecutors;
import dev.shoal.worker.WorkerSettings;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A durable coordinator in one JVM, stopped in the middle of its jobs and started again on the same
 * journal (an H2 file): what it recovers. The real {@code kill -9} of a coordinator process is
 * {@code DurableCoordinatorIT}'s; here each restart is a new actor system on the same folder, so
 * the journal, not memory, is all that carries over.
 */
class DurableJobsTest {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Runs of each item, across coordinators: proves which items ran again after a restart. */
  private static final Map<Long, AtomicInteger> RUNS = new ConcurrentHashMap<>();
  /** Items from {@code args.holdFrom} on wait here until the test lets them go. */
  private static volatile CountDownLatch hold = new CountDownLatch(1);
  /** Which coordinator's run this is: an item let go after its coordinator was stopped counts for none. */
  private static volatile int generation;

  /** {@code held}: returns the item; items at or past {@code args.holdFrom} first wait for the test. */
  static final class Held implements ShoalFunction {
    @Override
    public String name() {
      return "held";
    }

    @Override
    public FunctionKind kind() {
      return FunctionKind.CPU;
    }

    @Override
    public JsonNode apply(JsonNode item, JsonNode args) throws Exception {
      long index = item.isNumber() ? item.asLong() : item.path("n").asLong();
      int mine = generation;
      if (index >= args.path("holdFrom").asLong(Long.MAX_VALUE)) {
        hold.await();
      }
      if (mine != generation) {
        // its coordinator is gone, as if its process had been killed: this run never happened
        throw new InterruptedException("stopped with its coordinator");
      }
      RUNS.computeIfAbsent(index, k -> new AtomicInteger()).incrementAndGet();
      return item;
    }
  }

  private final FunctionRegistry functions = FunctionRegistry.load(null, false).with(new Held());
  private Path dir;
  private Node node;

  /** One coordinator process: its actor system, journal and one worker. */
  private final class Node implements AutoCloseable {
    final ActorTestKit kit;
    final Durability durability;
    final ActorRef<CoordinatorProtocol.Command> coordinator;
    final WorkerExecutors executors = new WorkerExecutors(2, 64);

    Node(int slots, String config) {
      durability = new Durability(JournalDatabase.embedded(dir));
      Config c = durability.persistenceConfig()
          // no prefetch: a job waiting behind a held one on one slot stays QUEUED
          .withFallback(ConfigFactory.parseString(config))
          .withFallback(ConfigFactory.parseString("pekko.actor.provider = local\nshoal.coordinator.window = 16\n"
              + "shoal.worker.prefetch = 0\nshoal.worker.max-prefetch = 0\n"
              + "shoal.worker.jars.cache-dir = \"" + dir.resolve("jar-cache").toString().replace("\\", "/") + "\""))
          .withFallback(ConfigFactory.load());
      kit = ActorTestKit.create("durable-jobs", c);
      coordinator = kit.spawn(Coordinator.create(functions, CoordinatorSettings.fromConfig(c), durability), "coordinator");
      kit.spawn(Worker.create(coordinator, WorkerSettings.fromConfig(c).withSlots(slots), functions, executors, "w"), "worker");
    }

    String submit(JobRequest request, Coordinator.StoredInput stored, dev.shoal.coordinator.job.ItemSource source) {
      TestProbe<Coordinator.SubmitReply> reply = kit.createTestProbe(Coordinator.SubmitReply.class);
      coordinator.tell(new Coordinator.SubmitJob(request, source, durability::sinkFor, stored, reply.ref()));
      return assertInstanceOf(Coordinator.JobAccepted.class, reply.receiveMessage(WAIT)).id();
    }

    String submitRange(JobRequest request, long end) {
      return submit(request, Coordinator.StoredInput.range(0, end), new RangeSource(0, end));
    }

    JobStatus status(String id) {
      TestProbe<Optional<JobStatus>> probe = kit.createTestProbe();
      coordinator.tell(new Coordinator.GetJob(id, probe.ref()));
      return probe.receiveMessage(WAIT).orElseThrow();
    }

    List<JobStatus> list() {
      TestProbe<List<JobStatus>> probe = kit.createTestProbe();
      coordinator.tell(new Coordinator.ListJobs(probe.ref()));
      return probe.receiveMessage(WAIT);
    }

    void awaitCommitted(String id, long lines) {
      kit.createTestProbe().awaitAssert(WAIT, () -> {
        assertTrue(durability.committedLines(id) >= lines, "committed " + durability.committedLines(id));
        return null;
      });
    }

    JobStatus awaitEnd(String id) {
      return kit.createTestProbe().awaitAssert(WAIT, () -> {
        JobStatus s = durability.find(id).map(StoredJob::finalStatus).orElse(null);
        assertTrue(s != null, "job " + id + " has not ended: " + status(id));
        return s;
      });
    }

    /** Every result line the journal database holds for the job, as the results stream gives them. */
    String results(String id) {
      StoredJob job = durability.find(id).orElseThrow();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      dev.shoal.coordinator.job.JsonLines lines = new dev.shoal.coordinator.job.JsonLines(out);
      try {
        for (ResultStore.Row row : job.store().read(id, 0, job.committedLines(), Integer.MAX_VALUE)) {
          for (int at = 0; at < row.payload().length; at += dev.shoal.api.ResultFrames.frameLength(row.payload(), at)) {
            dev.shoal.api.ResultFrames.Frame f = dev.shoal.api.ResultFrames.decode(row.payload(), at);
            lines.write(f.firstIndex(), f.results());
          }
        }
        lines.flush();
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      return out.toString(StandardCharsets.UTF_8);
    }

    JournalDatabase durabilityDb() {
      return db;
    }

    private JournalDatabase db;

    @Override
    public void close() {
      kit.shutdownTestKit();
      executors.close();
      durability.close();
    }
  }

  @BeforeEach
  void setUp() throws Exception {
    dir = Files.createTempDirectory("shoal-durable");
    RUNS.clear();
    hold = new CountDownLatch(1);
  }

  @AfterEach
  void tearDown() throws Exception {
    hold.countDown();
    if (node != null) {
      node.close();
    }
    generation++;
    stopped.forEach(CountDownLatch::countDown);
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }

  private Node start(int slots) {
    return start(slots, "");
  }

  private Node start(int slots, String config) {
    node = new Node(slots, config);
    node.db = dbOf(node.durability);
    return node;
  }

  /**
   * Stops the coordinator and starts another on its journal. The stopped one's worker threads may
   * live on a little (a test JVM, not a killed process), so the items they hold stay held until the
   * test ends, and count for nobody then; the new coordinator's items are held no more.
   */
  private void restart(int slots) {
    restart(slots, "");
  }

  private void restart(int slots, String config) {
    node.close();
    generation++;
    stopped.add(hold);
    hold = new CountDownLatch(0);
    start(slots, config);
  }

  private final List<CountDownLatch> stopped = new ArrayList<>();

  private static String lines(long from, long to) {
    StringBuilder b = new StringBuilder();
    for (long i = from; i < to; i++) {
      b.append("{\"index\":").append(i).append(",\"value\":").append(i).append("}\n");
    }
    return b.toString();
  }

  @Test
  void anOrderedJobGoesOnFromItsFirstItemWithoutARecordedResultAndItsResultsAreWholeAndInOrder() {
    start(4);
    String id = node.submitRange(new JobRequest("held", "{\"holdFrom\":150}", 10, true, 0), 200);
    node.awaitCommitted(id, 150);
    assertEquals(JobState.RUNNING, node.status(id).state());

    restart(4);

    JobStatus end = node.awaitEnd(id);
    assertEquals(JobState.SUCCEEDED, end.state());
    assertEquals(200, end.done());
    assertEquals(lines(0, 200), node.results(id));
    // the 150 recorded results were not computed again
    for (long i = 0; i < 150; i++) {
      assertEquals(1, RUNS.get(i).get(), "runs of item " + i);
    }
  }

  @Test
  void anUnorderedJobOfStoredItemsRunsOnlyTheItemsWithoutAResultAfterARestart() throws Exception {
    start(4);
    ItemStore.Writer w = node.durability.itemsWriter();
    for (int i = 0; i < 300; i++) {
      w.line(("{\"n\":" + i + "}").getBytes(StandardCharsets.UTF_8));
    }
    w.finish();
    // chunks of 7: items 0..251 fill 36 whole chunks, all of which end; the chunks from 252 are held
    String id = node.submit(new JobRequest("held", "{\"holdFrom\":252}", 7, false, 0),
        Coordinator.StoredInput.items(w.key()), node.durability.items(w));
    node.awaitCommitted(id, 252);

    restart(4);

    JobStatus end = node.awaitEnd(id);
    assertEquals(JobState.SUCCEEDED, end.state());
    List<Long> indexes = new ArrayList<>();
    for (String line : node.results(id).split("\n")) {
      indexes.add(JSON.readTree(line).path("index").asLong());
    }
    assertEquals(300, indexes.size());
    assertEquals(300, indexes.stream().distinct().count(), "every index once: " + indexes);
    for (long i = 0; i < 300; i++) {
      // the recorded ones ran before the restart only; the held ones, interrupted then, only after it
      assertEquals(1, RUNS.get(i).get(), "runs of item " + i);
    }
  }

  @Test
  void aSmallJobsItemsKeptInItsJournalRecordRunAgainAfterARestart() throws Exception {
    start(2);
    List<String> items = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      items.add(String.valueOf(i));
    }
    // items 20 on are held: the job is running when the coordinator stops
    String id = node.submit(new JobRequest("held", "{\"holdFrom\":20}", 5, true, 0), Coordinator.StoredInput.inline(items),
        new dev.shoal.coordinator.job.ListSource(items));
    node.awaitCommitted(id, 20);
    assertEquals(0, count("shoal_items", "1", "1"), "no row of the items table: the record holds them");

    restart(2);

    JobStatus end = node.awaitEnd(id);
    assertEquals(JobState.SUCCEEDED, end.state());
    assertEquals(lines(0, 30), node.results(id));
  }

  @Test
  void aQueuedJobOfAJobJarRunsThatJarAfterARestart() throws Exception {
    start(1);
    dev.shoal.api.JarInfo jar = node.durability.jars().put("shout.jar", Files.readAllBytes(
        dev.shoal.protocol.TestJars.function(dir, "shout.jar", "shout", "\"shout:\" + item.asText()"))).jar();
    String blocker = node.submitRange(new JobRequest("held", "{\"holdFrom\":0}", 1, true, 0), 1);
    String id = node.submit(new JobRequest("shout", "{}", 1, true, 0).withJar(jar.sha256()),
        Coordinator.StoredInput.range(0, 3), new RangeSource(0, 3));
    assertEquals(JobState.QUEUED, node.status(id).state());

    restart(1);

    assertEquals(JobState.SUCCEEDED, node.awaitEnd(blocker).state());
    JobStatus end = node.awaitEnd(id);
    assertEquals(JobState.SUCCEEDED, end.state(), end.toString());
    assertEquals("{\"index\":0,\"value\":\"shout:0\"}\n{\"index\":1,\"value\":\"shout:1\"}\n{\"index\":2,\"value\":\"shout:2\"}\n",
        node.results(id), "the function of the jar the job named, fetched by the new coordinator's worker");
  }

  @Test
  void queuedJobsKeepTheirOrderAndFinishedJobsTheirStatusAcrossARestart() {
    start(1);
    String done = node.submitRange(new JobRequest("held", "{}", 5, true, 0), 20);
    assertEquals(JobState.SUCCEEDED, node.awaitEnd(done).state());
    String first = node.submitRange(new JobRequest("held", "{\"holdFrom\":3}", 1, true, 0), 10);
    List<String> queued = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      queued.add(node.submitRange(new JobRequest("held", "{}", 1, true, 0), 5));
    }
    node.awaitCommitted(first, 3);
    queued.forEach(q -> assertEquals(JobState.QUEUED, node.status(q).state()));

    restart(1);

    assertEquals(JobState.SUCCEEDED, node.status(done).state());
    assertEquals(lines(0, 20), node.results(done));
    assertEquals(JobState.SUCCEEDED, node.awaitEnd(first).state());
    assertEquals(lines(0, 10), node.results(first));
    List<Long> starts = new ArrayList<>();
    for (String q : queued) {
      JobStatus s = node.awaitEnd(q);
      assertEquals(JobState.SUCCEEDED, s.state());
      starts.add(s.startedAt());
    }
    // first-in-first-out on one slot: the queued jobs began in the order they were accepted
    assertEquals(starts.stream().sorted().toList(), starts);
    List<String> listed = node.list().stream().map(JobStatus::id).toList();
    assertTrue(listed.containsAll(queued) && listed.contains(done) && listed.contains(first), listed.toString());
  }

  @Test
  void aJobWhoseJournalCannotBeReadFailsWithTheReasonAndTheOthersRecover() throws Exception {
    start(2);
    String broken = node.submitRange(new JobRequest("held", "{\"holdFrom\":10}", 5, true, 0), 50);
    String intact = node.submitRange(new JobRequest("held", "{\"holdFrom\":10}", 5, true, 0), 50);
    node.awaitCommitted(broken, 10);
    node.close();
    // the broken job's events are no longer CBOR
    node = null;
    try (JournalDatabase db = JournalDatabase.embedded(dir); java.sql.Connection c = db.connection();
        java.sql.Statement st = c.createStatement()) {
      assertTrue(st.executeUpdate("UPDATE \"event_journal\" SET \"event_payload\" = X'FF00' WHERE \"persistence_id\" = '"
          + JobLedger.persistenceId(broken).id() + "'") > 0);
    }
    generation++;
    stopped.add(hold);
    hold = new CountDownLatch(0);
    start(2);

    JobStatus failed = node.awaitEnd(broken);
    assertEquals(JobState.FAILED, failed.state());
    assertTrue(failed.message().startsWith("the job's journal failed"), failed.message());
    JobStatus ok = node.awaitEnd(intact);
    assertEquals(JobState.SUCCEEDED, ok.state());
    assertEquals(lines(0, 50), node.results(intact));
  }

  @Test
  void aJobWithTenThousandRecordedChunksRecoversAndEndsWithEveryLineOnce() {
    start(4);
    String id = node.submitRange(new JobRequest("held", "{\"holdFrom\":10000}", 1, true, 0), 10_050);
    node.awaitCommitted(id, 10_000);

    restart(4);

    JobStatus end = node.awaitEnd(id);
    assertEquals(JobState.SUCCEEDED, end.state());
    assertEquals(lines(0, 10_050), node.results(id));
  }

  @Test
  void jobsOutOfTheHistoryLeaveNoItemsLedgerOrResultsBehindAndStayForgottenAfterARestart() throws Exception {
    String history = "shoal.coordinator.history = 3";
    start(2, history);
    List<String> ids = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      ItemStore.Writer w = node.durability.itemsWriter();
      for (int item = 0; item < 4; item++) {
        w.line(String.valueOf(item).getBytes(StandardCharsets.UTF_8));
      }
      w.finish();
      keys.add(w.key());
      String id = node.submit(new JobRequest("held", "{}", 2, true, 0), Coordinator.StoredInput.items(w.key()),
          node.durability.items(w));
      assertEquals(JobState.SUCCEEDED, node.awaitEnd(id).state());
      assertEquals(lines(0, 4), node.results(id));
      ids.add(id);
    }
    // the five oldest go together, at the next tick: their items, ledgers and results are deleted
    node.kit.createTestProbe().awaitAssert(WAIT, () -> {
      for (int i = 0; i < 8; i++) {
        boolean kept = i >= 5;
        assertEquals(kept ? 1 : 0, count("shoal_items", "items_key", keys.get(i)) > 0 ? 1 : 0, "items of job " + i);
        assertEquals(kept ? 1 : 0, count("\"event_journal\"", "\"persistence_id\"",
            JobLedger.persistenceId(ids.get(i)).id()) > 0 ? 1 : 0, "ledger of job " + i);
        assertEquals(kept, node.durability.find(ids.get(i)).isPresent(), "results of job " + i);
      }
      return null;
    });
    assertEquals(ids.subList(5, 8), node.list().stream().map(JobStatus::id).sorted(
        Comparator.comparing(ids::indexOf)).toList());

    restart(2, history);

    assertEquals(ids.subList(5, 8), node.list().stream().map(JobStatus::id).sorted(
        Comparator.comparing(ids::indexOf)).toList(), "the journal lists the jobs kept, and only them");
    for (String kept : ids.subList(5, 8)) {
      assertEquals(lines(0, 4), node.results(kept));
    }
  }

  private long count(String table, String column, String key) throws java.sql.SQLException {
    try (java.sql.Connection c = node.db.connection();
        java.sql.PreparedStatement st = c.prepareStatement("SELECT COUNT(*) FROM " + table + " WHERE " + column + " = ?")) {
      st.setString(1, key);
      try (java.sql.ResultSet rs = st.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  private static JournalDatabase dbOf(Durability d) {
    return d.database();
  }
}
