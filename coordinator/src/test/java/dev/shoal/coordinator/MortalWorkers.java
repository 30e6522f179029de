package dev.shoal.coordinator;

import dev.shoal.api.ChunkResults;
import dev.shoal.protocol.CoordinatorProtocol;
import dev.shoal.api.FunctionInfo;
import dev.shoal.protocol.ItemBatch;
import dev.shoal.protocol.JobProtocol;
import dev.shoal.protocol.WorkerProtocol;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * A stand-in for worker nodes that die: one worker at a time, one slot, echoing integer items; a
 * worker handed a chunk that holds the poison item stops (as its JVM would die) and the next one
 * registers in its place. Every chunk handed out is added to {@code handedOut} (a synchronized list).
 */
final class MortalWorkers {

  private MortalWorkers() {}

  static Behavior<Void> create(ActorRef<CoordinatorProtocol.Command> coordinator, List<FunctionInfo> functions,
      long poison, List<ItemBatch> handedOut) {
    return Behaviors.setup(context -> {
      spawnNext(context, coordinator, functions, poison, handedOut);
      return Behaviors.receive(Void.class)
          .onSignal(Terminated.class, t -> {
            spawnNext(context, coordinator, functions, poison, handedOut);
            return Behaviors.same();
          })
          .build();
    });
  }

  private static void spawnNext(ActorContext<Void> context, ActorRef<CoordinatorProtocol.Command> coordinator,
      List<FunctionInfo> functions, long poison, List<ItemBatch> handedOut) {
    context.watch(context.spawnAnonymous(worker(coordinator, functions, poison, handedOut)));
  }

  private static Behavior<WorkerProtocol.Command> worker(ActorRef<CoordinatorProtocol.Command> coordinator,
      List<FunctionInfo> functions, long poison, List<ItemBatch> handedOut) {
    return Behaviors.setup(context -> {
      long[] received = {0};
      coordinator.tell(new CoordinatorProtocol.WorkerDemand(context.getSelf(), 1, 0, 1, 0, 0, "mortal", false, functions));
      return Behaviors.receive(WorkerProtocol.Command.class)
          // several chunks of one offer: each as if it came alone, in order
          .onMessage(WorkerProtocol.ProcessChunks.class, chunks -> {
            chunks.each().forEach(context.getSelf()::tell);
            return Behaviors.same();
          })
          .onMessage(WorkerProtocol.ProcessChunk.class, chunk -> {
            ItemBatch items = chunk.task().items();
            handedOut.add(items);
            if (poison >= items.rangeStart() && poison < items.rangeStart() + items.count()) {
              return Behaviors.stopped();
            }
            long[] echo = new long[items.count()];
            for (int i = 0; i < echo.length; i++) {
              echo[i] = items.rangeStart() + i;
            }
            chunk.replyTo().tell(new JobProtocol.ChunkProcessed(chunk.task().leaseId(),
                new ChunkResults(echo, null, List.of()), 1000, context.getSelf()));
            received[0]++;
            coordinator.tell(new CoordinatorProtocol.WorkerDemand(context.getSelf(), 1, received[0], 1, 0, 0, "mortal",
                false, functions));
            return Behaviors.same();
          })
          .build();
    });
  }
}
