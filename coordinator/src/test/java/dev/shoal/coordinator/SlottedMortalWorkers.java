package dev.shoal.coordinator;

import dev.shoal.api.ChunkResults;
import dev.shoal.protocol.CoordinatorProtocol;
import dev.shoal.api.FunctionInfo;
import dev.shoal.protocol.ItemBatch;
import dev.shoal.protocol.JobProtocol;
import dev.shoal.protocol.WorkerProtocol;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Stand-ins for several worker nodes with several slots each, echoing integer items: each holds
 * what it is sent for {@code runFor} before answering, so chunks of one worker overlap in time and
 * a death takes every chunk it holds with it. A worker handed a chunk that holds the poison item
 * dies {@code runFor} later (as its JVM would, while still holding whatever else it had or was
 * sent meanwhile), and a fresh worker takes its place, as a supervisor would start one.
 *
 * <p>Every death is added to {@code deaths} (a synchronized list) as the chunks the worker held
 * when it died, in the order it received them; every chunk handed out to {@code handedOut}.
 */
final class SlottedMortalWorkers {

  private SlottedMortalWorkers() {}

  private record Finish(long lease) implements WorkerProtocol.Command {}

  private enum Die implements WorkerProtocol.Command {
    INSTANCE
  }

  static Behavior<Void> create(ActorRef<CoordinatorProtocol.Command> coordinator, List<FunctionInfo> functions,
      int workers, int slots, long poison, Duration runFor, List<ItemBatch> handedOut, List<List<ItemBatch>> deaths) {
    return Behaviors.setup(context -> {
      for (int i = 0; i < workers; i++) {
        spawn(context, coordinator, functions, slots, poison, runFor, handedOut, deaths);
      }
      return Behaviors.receive(Void.class)
          .onSignal(Terminated.class, t -> {
            spawn(context, coordinator, functions, slots, poison, runFor, handedOut, deaths);
            return Behaviors.same();
          })
          .build();
    });
  }

  private static void spawn(ActorContext<Void> context, ActorRef<CoordinatorProtocol.Command> coordinator,
      List<FunctionInfo> functions, int slots, long poison, Duration runFor, List<ItemBatch> handedOut,
      List<List<ItemBatch>> deaths) {
    context.watch(context.spawnAnonymous(worker(coordinator, functions, slots, poison, runFor, handedOut, deaths)));
  }

  private static Behavior<WorkerProtocol.Command> worker(ActorRef<CoordinatorProtocol.Command> coordinator,
      List<FunctionInfo> functions, int slots, long poison, Duration runFor, List<ItemBatch> handedOut,
      List<List<ItemBatch>> deaths) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
      Map<Long, WorkerProtocol.ProcessChunk> held = new LinkedHashMap<>();
      long[] received = {0};
      boolean[] dying = {false};
      Runnable demand = () -> coordinator.tell(new CoordinatorProtocol.WorkerDemand(context.getSelf(),
          Math.max(0, slots - held.size()), received[0], slots, held.size(), held.size(), "mortal", false, functions));
      demand.run();
      return Behaviors.receive(WorkerProtocol.Command.class)
          // several chunks of one offer: each as if it came alone, in order
          .onMessage(WorkerProtocol.ProcessChunks.class, chunks -> {
            chunks.each().forEach(context.getSelf()::tell);
            return Behaviors.same();
          })
          .onMessage(WorkerProtocol.ProcessChunk.class, chunk -> {
            ItemBatch items = chunk.task().items();
            handedOut.add(items);
            received[0]++;
            held.put(chunk.task().leaseId(), chunk);
            if (poison >= items.rangeStart() && poison < items.rangeStart() + items.count()) {
              if (!dying[0]) {
                dying[0] = true;
                timers.startSingleTimer(Die.INSTANCE, runFor);
              }
            } else {
              timers.startSingleTimer(chunk.task().leaseId(), new Finish(chunk.task().leaseId()), runFor);
            }
            return Behaviors.same();
          })
          .onMessage(Finish.class, f -> {
            WorkerProtocol.ProcessChunk chunk = held.remove(f.lease());
            if (chunk == null || dying[0]) {
              // a dying worker answers nothing more: its JVM is going
              if (chunk != null) {
                held.put(f.lease(), chunk);
              }
              return Behaviors.same();
            }
            ItemBatch items = chunk.task().items();
            long[] echo = new long[items.count()];
            for (int i = 0; i < echo.length; i++) {
              echo[i] = items.rangeStart() + i;
            }
            chunk.replyTo().tell(new JobProtocol.ChunkProcessed(f.lease(), new ChunkResults(echo, null, List.of()), 1000,
                context.getSelf()));
            demand.run();
            return Behaviors.same();
          })
          .onMessageEquals(Die.INSTANCE, () -> {
            List<ItemBatch> had = new ArrayList<>();
            held.values().forEach(c -> had.add(c.task().items()));
            deaths.add(had);
            return Behaviors.stopped();
          })
          .onMessage(WorkerProtocol.Command.class, other -> {
            demand.run();
            return Behaviors.same();
          })
          .build();
    }));
  }
}
