package dev.shoal.coordinator.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shoal.api.ClusterView;
import dev.shoal.coordinator.Coordinator;
import dev.shoal.coordinator.job.JobDetail;
import dev.shoal.coordinator.job.RecentJobs;
import dev.shoal.protocol.CoordinatorProtocol;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;
import org.apache.pekko.stream.javadsl.Source;

/**
 * The dashboard's one stream ({@code GET /events}): a {@code snapshot} event about once a second
 * with the cluster and the jobs, and, for {@code ?job=ID}, that job's {@link JobDetail}.
 *
 * <p>Guarantees: an event stays small with any history: it carries the active jobs and only the
 * newest {@link #FINISHED_SHOWN} finished ones, with counts by state ({@link RecentJobs}); a
 * coordinator that does not answer in time gives a {@code problem} event ({@code {"error": ...}})
 * and the stream goes on; a slow client is not queued for: ticks it cannot take are dropped, so it
 * gets fresh snapshots, not old ones; a comment line every {@link #KEEP_ALIVE} of silence keeps
 * proxies from closing the connection.
 *
 * <p>Caveats: each open stream asks the coordinator two or three times a second; hundreds of open
 * dashboards would cost the coordinator as many small answers.
 */
final class DashboardEvents {

  static final Duration INTERVAL = Duration.ofSeconds(1);
  static final Duration KEEP_ALIVE = Duration.ofSeconds(10);
  static final int FINISHED_SHOWN = 50;

  /** One {@code snapshot} event: {@code job} is set for a stream of one job, {@code jobError} when that job is unknown. */
  record Snapshot(long at, ClusterView cluster, RecentJobs jobs, JobDetail job, String jobError) {}

  /** The HTTP API's ask of the coordinator, with its timeout. */
  interface Ask {
    <T> CompletionStage<T> ask(Function<ActorRef<T>, CoordinatorProtocol.Command> message);
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Ask coordinator;
  private final String unknownJobHint;

  DashboardEvents(Ask coordinator, String unknownJobHint) {
    this.coordinator = coordinator;
    this.unknownJobHint = unknownJobHint;
  }

  Source<ServerSentEvent, NotUsed> stream(Optional<String> job) {
    return Source.tick(Duration.ZERO, INTERVAL, NotUsed.notUsed())
        .mapAsync(1, tick -> snapshot(job).handle(DashboardEvents::event))
        .keepAlive(KEEP_ALIVE, ServerSentEvent::heartbeat)
        .mapMaterializedValue(cancellable -> NotUsed.notUsed());
  }

  CompletionStage<Snapshot> snapshot(Optional<String> job) {
    CompletionStage<ClusterView> cluster = coordinator.ask(Coordinator.GetCluster::new);
    CompletionStage<RecentJobs> jobs = coordinator.ask(r -> new Coordinator.ListRecentJobs(FINISHED_SHOWN, r));
    CompletionStage<Optional<JobDetail>> detail = job.isEmpty()
        ? CompletableFuture.completedFuture(Optional.empty())
        : coordinator.ask(r -> new Coordinator.GetJobDetail(job.get(), r));
    return cluster.thenCombine(jobs, (c, j) -> new Snapshot(System.currentTimeMillis(), c, j, null, null))
        .thenCombine(detail, (s, d) -> new Snapshot(s.at(), s.cluster(), s.jobs(), d.orElse(null),
            job.isPresent() && d.isEmpty() ? "no job '" + job.get() + "' " + unknownJobHint : null));
  }

  private static ServerSentEvent event(Snapshot snapshot, Throwable failure) {
    if (failure == null) {
      return ServerSentEvent.create(json(snapshot), "snapshot");
    }
    Throwable t = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
    String why = t instanceof TimeoutException ? "the coordinator did not answer in time" : "the coordinator failed: " + t;
    return ServerSentEvent.create(json(Map.of("error", why)), "problem");
  }

  private static String json(Object body) {
    try {
      return JSON.writeValueAsString(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write " + body.getClass().getSimpleName() + " as JSON", e);
    }
  }
}
