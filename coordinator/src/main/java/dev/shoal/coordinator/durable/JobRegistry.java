package dev.shoal.coordinator.durable;

import dev.shoal.api.JobStatus;
import dev.shoal.protocol.CborSerializable;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * The journal of the durable coordinator's job list: every job accepted, in the order it was
 * accepted, and the final status of those that ended, for the last {@code history} of them. A child
 * of the coordinator, which asks it for the {@link Jobs} when it starts (so that a restarted or
 * standby coordinator runs again every job not ended, in their first-in-first-out order) and
 * answers a submission's {@code 202} only once its {@link Added} has come back.
 *
 * <p>Guarantees: a job is in the journal before its {@link Added} is sent; the order of the list is
 * the order of acceptance, across any number of restarts.
 *
 * <p>Caveat: a job's progress is in its own {@link JobLedger}, not here. A journal failure stops
 * this actor; the coordinator, watching it, restarts and recovers from what was written.
 */
public final class JobRegistry extends EventSourcedBehavior<JobRegistry.Command, JobRegistry.Event, JobRegistry.State> {

  public static final PersistenceId PERSISTENCE_ID = PersistenceId.ofUniqueId("shoal-jobs");

  static final int SNAPSHOT_EVERY = 100;

  public interface Command {}

  public record Add(JobRecord job, ActorRef<Added> replyTo) implements Command {}

  /** The job ended with {@code status}; {@code lines} of its results are stored. */
  public record End(String id, JobStatus status, long lines) implements Command {}

  /**
   * The jobs fell out of the history: they and their results are forgotten (one event for many: one
   * commit). {@link Forgotten} comes back once the journal no longer lists them, so what they stored
   * is deleted only then.
   */
  public record Forget(List<JobRecord> jobs, ActorRef<Forgotten> replyTo) implements Command {}

  public record GetJobs(ActorRef<Jobs> replyTo) implements Command {}

  /** Replies to {@link Forget}. */
  public record Forgotten(List<JobRecord> jobs) {}

  /** Replies to {@link Add}. */
  public record Added(String id) {}

  /** Replies to {@link GetJobs}: every job known, oldest first. */
  public record Jobs(List<Entry> jobs) {}

  /** A job and, once it ended, its final status and stored result lines. */
  public record Entry(JobRecord job, JobStatus ended, long lines) implements CborSerializable {}

  public interface Event extends CborSerializable {}

  public record JobAdded(JobRecord job) implements Event {}

  public record JobEnded(String id, JobStatus status, long lines) implements Event {}

  /** Written by coordinators before forgetting went in batches; still read from their journals. */
  public record JobForgotten(String id) implements Event {}

  public record JobsForgotten(List<String> ids) implements Event {}

  public record State(List<Entry> jobs) implements CborSerializable {
    public State {
      jobs = jobs == null ? List.of() : jobs;
    }

    State plus(Entry e) {
      List<Entry> next = new ArrayList<>(jobs.size() + 1);
      next.addAll(jobs);
      next.add(e);
      return new State(next);
    }

    // the job that ends is nearly always among the newest and the ones forgotten are the oldest:
    // each search starts at its likely end, so an event costs one copy of the list, not a scan of it

    State ended(JobEnded e) {
      for (int i = jobs.size() - 1; i >= 0; i--) {
        Entry j = jobs.get(i);
        if (j.job().id().equals(e.id())) {
          List<Entry> next = new ArrayList<>(jobs);
          next.set(i, new Entry(j.job().withoutItems(), e.status(), e.lines()));
          return new State(next);
        }
      }
      return this;
    }

    State without(Collection<String> ids) {
      Set<String> gone = new HashSet<>(ids);
      int oldest = 0;
      while (oldest < jobs.size() && gone.remove(jobs.get(oldest).job().id())) {
        oldest++;
      }
      List<Entry> rest = jobs.subList(oldest, jobs.size());
      return new State(gone.isEmpty()
          ? new ArrayList<>(rest)
          : rest.stream().filter(j -> !gone.contains(j.job().id())).toList());
    }
  }

  public static Behavior<Command> create() {
    return new JobRegistry();
  }

  private JobRegistry() {
    super(PERSISTENCE_ID);
  }

  @Override
  public State emptyState() {
    return new State(List.of());
  }

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Add.class, this::onAdd)
        .onCommand(End.class, this::onEnd)
        .onCommand(Forget.class, this::onForget)
        .onCommand(GetJobs.class, this::onGetJobs)
        .build();
  }

  private Effect<Event, State> onAdd(State state, Add add) {
    return Effect().persist(new JobAdded(add.job())).thenReply(add.replyTo(), s -> new Added(add.job().id()));
  }

  private Effect<Event, State> onEnd(State state, End end) {
    return Effect().persist(new JobEnded(end.id(), end.status(), end.lines()));
  }

  private Effect<Event, State> onForget(State state, Forget forget) {
    return Effect().persist(new JobsForgotten(forget.jobs().stream().map(JobRecord::id).toList()))
        .thenReply(forget.replyTo(), st -> new Forgotten(forget.jobs()));
  }

  private Effect<Event, State> onGetJobs(State state, GetJobs get) {
    return Effect().reply(get.replyTo(), new Jobs(state.jobs()));
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(JobAdded.class, (s, e) -> s.plus(new Entry(e.job(), null, 0)))
        .onEvent(JobEnded.class, State::ended)
        .onEvent(JobForgotten.class, (s, e) -> s.without(List.of(e.id())))
        .onEvent(JobsForgotten.class, (s, e) -> s.without(e.ids()))
        .build();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    // events older than the snapshots kept are deleted: the journal stays the size of the state
    return RetentionCriteria.snapshotEvery(SNAPSHOT_EVERY, 2).withDeleteEventsOnSnapshot();
  }
}
