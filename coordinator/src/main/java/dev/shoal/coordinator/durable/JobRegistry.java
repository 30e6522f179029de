package dev.shoal.coordinator.durable;

import dev.shoal.api.JobStatus;
import dev.shoal.protocol.CborSerializable;
import java.util.ArrayList;
import java.util.List;
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

  /** The job fell out of the history: it and its results are forgotten. */
  public record Forget(String id) implements Command {}

  public record GetJobs(ActorRef<Jobs> replyTo) implements Command {}

  /** Replies to {@link Add}. */
  public record Added(String id) {}

  /** Replies to {@link GetJobs}: every job known, oldest first. */
  public record Jobs(List<Entry> jobs) {}

  /** A job and, once it ended, its final status and stored result lines. */
  public record Entry(JobRecord job, JobStatus ended, long lines) implements CborSerializable {}

  public interface Event extends CborSerializable {}

  public record JobAdded(JobRecord job) implements Event {}

  public record JobEnded(String id, JobStatus status, long lines) implements Event {}

  public record JobForgotten(String id) implements Event {}

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

    State ended(JobEnded e) {
      List<Entry> next = new ArrayList<>(jobs.size());
      for (Entry j : jobs) {
        next.add(j.job().id().equals(e.id()) ? new Entry(j.job(), e.status(), e.lines()) : j);
      }
      return new State(next);
    }

    State without(String id) {
      return new State(jobs.stream().filter(j -> !j.job().id().equals(id)).toList());
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
    return Effect().persist(new JobForgotten(forget.id()));
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
        .onEvent(JobForgotten.class, (s, e) -> s.without(e.id()))
        .build();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    // events older than the snapshots kept are deleted: the journal stays the size of the state
    return RetentionCriteria.snapshotEvery(SNAPSHOT_EVERY, 2).withDeleteEventsOnSnapshot();
  }
}
