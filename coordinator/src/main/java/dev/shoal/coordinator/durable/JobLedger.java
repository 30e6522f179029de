package dev.shoal.coordinator.durable;

import dev.shoal.protocol.CborSerializable;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.Recovery;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * The journal of one durable job's progress: which item indices have their results stored, how
 * many result lines that is, and how many of them are errors. A child of the job's actor, which
 * asks it for the {@link Progress} before it starts (a new job finds none) and records each write
 * of its sink once the write is committed; a chunk counts as done only when its {@link Recorded}
 * comes back. Events are per sink write (one or more chunks), never per item; a snapshot every
 * {@value #SNAPSHOT_EVERY} events keeps the recovery of a job with many chunks short.
 *
 * <p>Guarantees: an event is in the journal before its {@link Recorded} is sent; the state after
 * any restart is exactly the events recorded.
 *
 * <p>Caveats: the job's request and items are not here but in the {@link JobRegistry}, and the
 * results themselves in the {@link ResultStore}; a journal that fails a write or a recovery stops
 * this actor, and the job, which watches it, then fails with the reason.
 */
public final class JobLedger extends EventSourcedBehavior<JobLedger.Command, JobLedger.Event, JobLedger.State> {

  static final int SNAPSHOT_EVERY = 200;

  public interface Command {}

  /** Records a committed sink write of {@code lines} lines covering the index ranges {@code pairs} (first, count, ...). */
  public record Record(long lines, long[] pairs, long errors, ActorRef<Recorded> replyTo) implements Command {}

  public record GetProgress(ActorRef<Progress> replyTo) implements Command {}

  /** Replies to {@link Record}: the job's result lines recorded in all. */
  public record Recorded(long lines) {}

  /** Replies to {@link GetProgress}. */
  public record Progress(long lines, long errors, DoneRanges done) {}

  public interface Event extends CborSerializable {}

  /** One sink write: {@code lines} more result lines for the indices in {@code pairs}. */
  public record ResultsStored(long lines, long[] pairs, long errors) implements Event {}

  public record State(long lines, long errors, DoneRanges done) implements CborSerializable {
    State apply(ResultsStored e) {
      return new State(lines + e.lines(), errors + e.errors(), done.plusAll(e.pairs()));
    }
  }

  public static PersistenceId persistenceId(String jobId) {
    return PersistenceId.of("shoal-job", jobId);
  }

  /**
   * The ledger of job {@code jobId}; {@code fresh} for a job just accepted, whose ledger skips the
   * recovery (a snapshot read and a replay) that could find nothing: its id is new.
   */
  public static Behavior<Command> create(String jobId, boolean fresh) {
    return new JobLedger(persistenceId(jobId), fresh);
  }

  private final boolean fresh;

  private JobLedger(PersistenceId id, boolean fresh) {
    // no restart on a journal failure: the command in flight would be lost and the job wait for it;
    // the actor stops instead, and the job, watching it, fails with the reason
    super(id);
    this.fresh = fresh;
  }

  @Override
  public Recovery recovery() {
    return fresh ? Recovery.disabled() : super.recovery();
  }

  @Override
  public State emptyState() {
    return new State(0, 0, DoneRanges.NONE);
  }

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    return newCommandHandlerBuilder()
        .forAnyState()
        .onCommand(Record.class, this::onRecord)
        .onCommand(GetProgress.class, this::onGetProgress)
        .build();
  }

  private org.apache.pekko.persistence.typed.javadsl.Effect<Event, State> onRecord(State state, Record r) {
    return Effect().persist(new ResultsStored(r.lines(), r.pairs(), r.errors()))
        .thenReply(r.replyTo(), s -> new Recorded(s.lines()));
  }

  private org.apache.pekko.persistence.typed.javadsl.Effect<Event, State> onGetProgress(State state, GetProgress get) {
    return Effect().reply(get.replyTo(), new Progress(state.lines(), state.errors(), state.done()));
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(ResultsStored.class, State::apply)
        .build();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    // events older than the snapshots kept are deleted: the journal stays the size of the state
    return RetentionCriteria.snapshotEvery(SNAPSHOT_EVERY, 2).withDeleteEventsOnSnapshot();
  }
}
