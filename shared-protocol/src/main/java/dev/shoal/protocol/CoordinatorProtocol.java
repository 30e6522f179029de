package dev.shoal.protocol;

import dev.shoal.api.FunctionInfo;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * What workers tell the coordinator. Open: the coordinator adds its local job commands to it.
 *
 * <p>Demand is stated, not counted: a worker says how many more chunks it wants and how many it has
 * received in all; the coordinator subtracts what it sent since. A lost or repeated message
 * therefore never leaves a worker starved or flooded, and the periodic repetition doubles as the
 * worker's heartbeat, which renews the leases on the chunks it holds.
 */
public final class CoordinatorProtocol {

  private CoordinatorProtocol() {}

  public interface Command {}

  /**
   * @param wanted how many more chunks the worker can take now (free slots plus prefetch)
   * @param received how many chunks it has received since it started
   * @param slots chunks it runs at once
   * @param busy chunks running now
   * @param held chunks it holds, running or waiting
   * @param node a readable name of its node (host:port or "local")
   * @param draining true once it stopped taking work before leaving
   * @param load the worker's own figures for the coordinator's metrics; null from a worker that
   *     sends none (an older one), so a message without the field still reads
   */
  public record WorkerDemand(
      ActorRef<WorkerProtocol.Command> worker,
      int wanted,
      long received,
      int slots,
      int busy,
      int held,
      String node,
      boolean draining,
      List<FunctionInfo> functions,
      WorkerLoad load) implements Command, CborSerializable {

    /** Demand without load figures. */
    public WorkerDemand(ActorRef<WorkerProtocol.Command> worker, int wanted, long received, int slots, int busy,
        int held, String node, boolean draining, List<FunctionInfo> functions) {
      this(worker, wanted, received, slots, busy, held, node, draining, functions, null);
    }
  }

  /**
   * A worker's figures, sent with its demand so that one scrape of the coordinator sees the cluster.
   *
   * @param cpuLoad its JVM's recent CPU load, 0 to 1, or negative when the JVM cannot tell
   * @param heapUsedBytes its JVM's heap in use
   * @param itemsDone items it has run since it started
   */
  public record WorkerLoad(double cpuLoad, long heapUsedBytes, long itemsDone) implements CborSerializable {}

  /**
   * The worker has drained (it finished its running chunks and handed its queued ones back to their
   * jobs) and is stopping: forget it without treating anything it held as lost.
   */
  public record WorkerLeaving(ActorRef<WorkerProtocol.Command> worker) implements Command, CborSerializable {}

  /**
   * The worker restarted after an exception of its own: what it held is lost (as if it had died),
   * and its counts start again from its next demand.
   */
  public record WorkerRestarted(ActorRef<WorkerProtocol.Command> worker) implements Command, CborSerializable {}
}
