package dev.shoal.coordinator.durable;

import com.typesafe.config.Config;
import dev.shoal.coordinator.job.ItemSource;
import dev.shoal.coordinator.job.JobLimits;
import dev.shoal.api.JobStatus;
import dev.shoal.coordinator.job.LinesSource;
import dev.shoal.coordinator.job.ListSource;
import dev.shoal.coordinator.job.RangeSource;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What makes a coordinator's jobs survive it: the {@link JournalDatabase} with its {@link ItemStore}
 * and {@link ResultStore} (files beside an embedded journal, rows of any other), and the results of every job this coordinator knows ({@link StoredJob}),
 * shared by the coordinator (which makes the sinks, also of the jobs it recovers) and the HTTP API
 * (which streams them). One per coordinator process; the Pekko Persistence plugin reaches the same
 * database through {@link #persistenceConfig()}.
 *
 * <p>Guarantees: a job's items are committed before {@link #storeItems} returns a key; a job's
 * sink and its readers share one {@link StoredJob}. Thread-safe.
 *
 * <p>Caveat: {@link #forget} and {@link #storeItems} block on the database.
 */
public final class Durability implements AutoCloseable {

  private final JournalDatabase db;
  private final ItemStore items;
  private final ResultRows rows;
  private final ResultStore results;
  private final JarStore jars;
  private final Map<String, StoredJob> jobs = new ConcurrentHashMap<>();

  public Durability(JournalDatabase db) {
    this.db = db;
    this.items = new ItemStore(db);
    this.rows = new ResultRows(db);
    this.results = db.resultsFolder().<ResultStore>map(folder -> new ResultFiles(folder, rows)).orElse(rows);
    this.jars = new JarStore(db);
  }

  /** The job jars, shared with every coordinator on this database. */
  public JarStore jars() {
    return jars;
  }

  private volatile java.util.function.LongConsumer bytesWritten = n -> {};

  /** Who is told how many result bytes each write stored (the metrics). */
  public void onBytesWritten(java.util.function.LongConsumer listener) {
    bytesWritten = listener;
  }

  void wrote(long bytes) {
    bytesWritten.accept(bytes);
  }

  /** The items just stored by {@code w}, as the job reads them. */
  public ItemSource items(ItemStore.Writer w) {
    return new LinesSource(new BufferedReader(new InputStreamReader(items.open(w.key()), StandardCharsets.UTF_8),
        1 << 16), Integer.MAX_VALUE, w.lines());
  }

  public Config persistenceConfig() {
    return db.persistenceConfig();
  }

  JournalDatabase database() {
    return db;
  }

  public String describe() {
    return db.describe();
  }

  /** A fresh key for a job's items, and the writer to store them under it. */
  public ItemStore.Writer itemsWriter() {
    return items.writer(UUID.randomUUID().toString());
  }

  /** The sink of a job, new or recovered; runs on the coordinator's thread, so it does no I/O. */
  public StoredJob sinkFor(String id) {
    return jobs.computeIfAbsent(id, k -> new StoredJob(k, results, this::wrote));
  }

  /** A job recovered as ended: its results are readable, complete, from the first line. */
  public void ended(String id, JobStatus status, long lines) {
    jobs.put(id, StoredJob.ended(id, results, status, lines));
  }

  public Optional<StoredJob> find(String id) {
    return Optional.ofNullable(jobs.get(id));
  }

  /** The result lines a job's sink has had recorded, 0 for a job not known here. */
  public long committedLines(String id) {
    StoredJob j = jobs.get(id);
    return j == null ? 0 : j.committedLines();
  }

  /** The items of a recorded job, read again from the start. */
  public ItemSource source(JobRecord job, JobLimits limits) {
    if (job.isRange()) {
      return new RangeSource(job.rangeStart(), job.rangeEnd());
    }
    if (job.items() != null) {
      return new ListSource(job.items());
    }
    if (job.itemsKey() == null) {
      throw new IllegalStateException("the job's items were being uploaded when the coordinator stopped, and "
          + "an upload is not stored before it ends; submit the job again");
    }
    return new LinesSource(new BufferedReader(new InputStreamReader(items.open(job.itemsKey()), StandardCharsets.UTF_8),
        1 << 16), limits.maxItemBytes(), job.total());
  }

  /**
   * Deletes what is stored of jobs that fell out of the history: their result files, and their
   * ledgers and items in one transaction, since each commit of the journal database writes the
   * changed pages again, and one job's deletes alone cost more than the job had. Blocks.
   */
  public void forget(List<JobRecord> gone) {
    for (JobRecord job : gone) {
      jobs.remove(job.id());
      results.forget(job.id());
    }
    List<String> ledgers = gone.stream().map(j -> JobLedger.persistenceId(j.id()).id()).toList();
    List<String> keys = gone.stream().map(JobRecord::itemsKey).filter(java.util.Objects::nonNull).toList();
    try (Connection c = db.connection()) {
      c.setAutoCommit(false);
      try {
        rows.forgetJournals(c, ledgers);
        items.delete(c, keys);
        c.commit();
      } finally {
        c.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw ResultRows.failed("delete what " + gone.size() + " forgotten jobs stored", e);
    }
  }

  /** Deletes items stored for a job that was then refused. Blocks. */
  public void dropItems(String key) {
    items.delete(key);
  }

  @Override
  public void close() {
    db.close();
  }
}
