package dev.shoal.coordinator.metrics;

import dev.shoal.api.JobState;
import dev.shoal.api.JobStatus;
import dev.shoal.protocol.CoordinatorProtocol.WorkerDemand;
import dev.shoal.protocol.CoordinatorProtocol.WorkerLoad;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One coordinator's Prometheus metrics: owns their registry, is updated where things happen (the
 * coordinator's and its jobs' event handlers) and writes the text that {@code GET /metrics} serves.
 *
 * <p>Figures that are a state (jobs by state, chunks in flight and pending, workers and slots, each
 * node's load) are read at scrape time from small maps the handlers keep current; figures that are
 * events (items, re-sent chunks, lost workers, chunk times, result bytes) are counters and
 * histograms updated as they happen.
 *
 * <p>Guarantees: thread-safe (the maps are concurrent, Prometheus' metrics are); label cardinality
 * is bounded: {@code function} by the function registry, {@code state} by {@link JobState},
 * {@code node} by the cluster's nodes — a node's series go when its last worker leaves or is lost.
 * No label carries a job id. JVM metrics are registered once, by {@link #withJvm()}, so that the
 * many settings objects tests make do not each install the JVM's listeners.
 *
 * <p>Caveats: items, and a running job's chunks in flight and pending, are taken from the jobs'
 * progress reports, so they show up to {@code shoal.coordinator.progress-interval} late (items are
 * exact once the job has ended, and an ended job's chunks are gone at once); items a job
 * settled after its last report are not counted if its actor crashed. A node's {@code
 * shoal_worker_items_done_total} is what its workers report since they started: it drops (a counter
 * reset, which Prometheus' {@code rate} handles) when one of them leaves. A scrape is not one
 * atomic snapshot: a worker that joins during it may show in one figure and not yet in the next.
 */
public final class ShoalMetrics {

  /** The content type Prometheus expects for its text format. */
  public static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

  private static final double[] SECONDS = {0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300};

  private record JobChunks(int inFlight, int pending) {}

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
  private final Map<String, JobState> jobs = new ConcurrentHashMap<>();
  private final Map<String, JobChunks> chunks = new ConcurrentHashMap<>();
  private final Map<Object, WorkerDemand> workers = new ConcurrentHashMap<>();
  private final Counter jobsFinished;
  private final Counter itemsDone;
  private final Counter itemsFailed;
  private final Counter chunksResent;
  private final Counter workersLost;
  private final Counter resultBytes;
  private final Histogram chunkRun;
  private final Histogram chunkWait;
  private boolean jvm;

  public ShoalMetrics() {
    GaugeWithCallback.builder().name("shoal_jobs").help("Jobs the coordinator holds (running and remembered), by state")
        .labelNames("state").callback(cb -> jobsByState().forEach((s, n) -> cb.call(n, s.name()))).register(registry);
    jobsFinished = Counter.builder().name("shoal_jobs_finished_total").help("Jobs ended, by final state")
        .labelNames("state").register(registry);
    itemsDone = Counter.builder().name("shoal_items_done_total")
        .help("Items settled (with a result or an error), by function").labelNames("function").register(registry);
    itemsFailed = Counter.builder().name("shoal_items_failed_total")
        .help("Items settled with an error, by function").labelNames("function").register(registry);
    GaugeWithCallback.builder().name("shoal_chunks_in_flight").help("Chunks handed to workers and not answered yet")
        .callback(cb -> cb.call(chunks.values().stream().mapToLong(JobChunks::inFlight).sum())).register(registry);
    GaugeWithCallback.builder().name("shoal_chunks_pending")
        .help("Chunks cut and waiting for a worker (including suspects and items waiting out a retry backoff)")
        .callback(cb -> cb.call(chunks.values().stream().mapToLong(JobChunks::pending).sum())).register(registry);
    chunksResent = Counter.builder().name("shoal_chunks_resent_total")
        .help("Chunks taken back from a lost worker or handed back by a draining one, to run elsewhere")
        .register(registry);
    workersLost = Counter.builder().name("shoal_workers_lost_total")
        .help("Workers taken for lost (terminated, unreachable, silent past the lease, restarted)").register(registry);
    resultBytes = Counter.builder().name("shoal_result_bytes_written_total")
        .help("Bytes of results stored for the HTTP API (binary results frames)").register(registry);
    chunkRun = Histogram.builder().name("shoal_chunk_run_seconds")
        .help("Time a worker spent running a chunk").classicUpperBounds(SECONDS).classicOnly().register(registry);
    chunkWait = Histogram.builder().name("shoal_chunk_queue_wait_seconds")
        .help("Time from handing a chunk out to its result, less its run time: waiting in the worker's queue and in transit")
        .classicUpperBounds(SECONDS).classicOnly().register(registry);
    GaugeWithCallback.builder().name("shoal_workers").help("Workers connected to the coordinator")
        .callback(cb -> cb.call(workers.size())).register(registry);
    GaugeWithCallback.builder().name("shoal_slots").help("Slots (chunks run at once) over all workers")
        .callback(cb -> cb.call(workers.values().stream().mapToLong(WorkerDemand::slots).sum())).register(registry);
    GaugeWithCallback.builder().name("shoal_slots_busy").help("Slots running a chunk now, over all workers")
        .callback(cb -> cb.call(workers.values().stream().mapToLong(WorkerDemand::busy).sum())).register(registry);
    GaugeWithCallback.builder().name("shoal_worker_slots").help("A node's worker slots").labelNames("node")
        .callback(cb -> byNode().forEach((node, n) -> cb.call(n.slots, node))).register(registry);
    GaugeWithCallback.builder().name("shoal_worker_slots_busy").help("A node's busy worker slots").labelNames("node")
        .callback(cb -> byNode().forEach((node, n) -> cb.call(n.busy, node))).register(registry);
    GaugeWithCallback.builder().name("shoal_worker_cpu_load")
        .help("A node's process CPU load as its workers report it, 0 to 1 (absent if the node does not report it)")
        .labelNames("node")
        .callback(cb -> byNode().forEach((node, n) -> {
          if (n.cpuLoad >= 0) {
            cb.call(n.cpuLoad, node);
          }
        })).register(registry);
    GaugeWithCallback.builder().name("shoal_worker_heap_used_bytes").help("A node's JVM heap in use as its workers report it")
        .labelNames("node")
        .callback(cb -> byNode().forEach((node, n) -> {
          if (n.heapUsed >= 0) {
            cb.call(n.heapUsed, node);
          }
        })).register(registry);
    CounterWithCallback.builder().name("shoal_worker_items_done_total")
        .help("Items a node's workers have run since they started, as they report it").labelNames("node")
        .callback(cb -> byNode().forEach((node, n) -> cb.call(n.itemsDone, node))).register(registry);
  }

  /** Adds the JVM's own metrics (memory, GC, threads, ...) to this registry; once, however often called. */
  public synchronized ShoalMetrics withJvm() {
    if (!jvm) {
      JvmMetrics.builder().register(registry);
      jvm = true;
    }
    return this;
  }

  /** Everything in Prometheus' text format (version 0.0.4), as {@link #CONTENT_TYPE}. */
  public byte[] scrape() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(16 * 1024);
    try {
      writer.write(out, registry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  // --- jobs, from the coordinator ---

  /** A job's status changed from {@code before} (null for a new job) to {@code now}: its state and new items count. */
  public void jobChanged(JobStatus before, JobStatus now) {
    jobs.put(now.id(), now.state());
    long done = now.done() - (before == null ? 0 : before.done());
    long failed = now.errors() - (before == null ? 0 : before.errors());
    if (done > 0) {
      itemsDone.labelValues(now.function()).inc(done);
    }
    if (failed > 0) {
      itemsFailed.labelValues(now.function()).inc(failed);
    }
  }

  /** The job has ended with {@code status}; it is remembered in the history until {@link #jobForgotten}. */
  public void jobEnded(JobStatus status) {
    jobs.put(status.id(), status.state());
    chunks.remove(status.id());
    jobsFinished.labelValues(status.state().name()).inc();
  }

  /** The job fell out of the coordinator's history. */
  public void jobForgotten(String id) {
    jobs.remove(id);
  }

  // --- chunks, from a job ---

  /** A running job's chunks now: handed out and unanswered, and waiting for a worker. */
  public void jobChunks(String jobId, int inFlight, int pending) {
    chunks.put(jobId, new JobChunks(inFlight, pending));
  }

  /** A chunk was answered: {@code runNanos} on its worker, {@code roundTripNanos} from handing it out to its result. */
  public void chunkAnswered(long runNanos, long roundTripNanos) {
    chunkRun.observe(Math.max(0, runNanos) / 1e9);
    chunkWait.observe(Math.max(0, roundTripNanos - runNanos) / 1e9);
  }

  public void chunkResent() {
    chunksResent.inc();
  }

  // --- workers, from the coordinator ---

  /** The worker's latest demand, which carries its slots, busy slots, node and load. */
  public void worker(Object worker, WorkerDemand demand) {
    workers.put(worker, demand);
  }

  /** The worker left or was lost ({@code lost}); its figures go, and its node's when it was the last there. */
  public void workerGone(Object worker, boolean lost) {
    if (workers.remove(worker) != null && lost) {
      workersLost.inc();
    }
  }

  /** The coordinator stopped or restarted: its workers are known again from their next demand. */
  public void workersForgotten() {
    workers.clear();
  }

  // --- results, from the HTTP API ---

  public void resultBytesWritten(long bytes) {
    if (bytes > 0) {
      resultBytes.inc(bytes);
    }
  }

  private Map<JobState, Long> jobsByState() {
    Map<JobState, Long> counts = new EnumMap<>(JobState.class);
    for (JobState s : JobState.values()) {
      counts.put(s, 0L);
    }
    jobs.values().forEach(s -> counts.merge(s, 1L, Long::sum));
    return counts;
  }

  private static final class Node {
    long slots;
    long busy;
    long itemsDone;
    double cpuLoad = -1;
    long heapUsed = -1;
  }

  /** Workers in one JVM share its CPU and heap, so a node reports the highest any of them saw. */
  private Map<String, Node> byNode() {
    Map<String, Node> nodes = new TreeMap<>();
    for (WorkerDemand d : workers.values()) {
      Node n = nodes.computeIfAbsent(d.node(), k -> new Node());
      n.slots += d.slots();
      n.busy += d.busy();
      WorkerLoad load = d.load();
      if (load != null) {
        n.itemsDone += load.itemsDone();
        n.cpuLoad = Math.max(n.cpuLoad, load.cpuLoad());
        n.heapUsed = Math.max(n.heapUsed, load.heapUsedBytes());
      }
    }
    return nodes;
  }
}
