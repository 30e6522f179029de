package dev.shoal.cli.node;

import dev.shoal.cli.node.DowningRules.MemberView;
import dev.shoal.cli.node.DowningRules.Phase;
import dev.shoal.cli.node.DowningRules.Reach;
import dev.shoal.cli.node.DowningRules.Verdict;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.UniqueAddress;
import org.apache.pekko.remote.FailureDetectorRegistry;
import org.apache.pekko.remote.artery.ThisActorSystemQuarantinedEvent;

/**
 * The downing actor of every Shoal node, started by the cluster through {@link HubDowningProvider}:
 * every tick it reads this node's cluster state and failure detector, hands them to
 * {@link DowningRules} and downs whom the rules name.
 *
 * <p>Guarantees: the coordinator's node is downed only by a standby coordinator that has lost it,
 * never by a worker's view or a worker's quarantine; a worker that loses the coordinator for good
 * downs itself, so the JVM exits non-zero (exit code 255, CoordinatedShutdown's cluster-downing
 * code) and its supervisor restarts it.
 *
 * <p>Caveats: it polls (every {@code shoal.downing.tick}) rather than reacting to each reachability
 * event, so decisions are up to one tick late; the own-failure-detector view covers only the members
 * this node heartbeats (all of them up to {@code monitored-by-nr-of-members} + 1 nodes).
 */
public final class HubDowning extends AbstractBehavior<HubDowning.Command> {

  public interface Command {}

  private enum Tick implements Command { INSTANCE }

  private record Quarantined(ThisActorSystemQuarantinedEvent event) implements Command {}

  public static Behavior<Command> create(DowningRules.Settings settings, Duration tick) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers -> new HubDowning(context, timers, settings, tick)));
  }

  private final Cluster cluster;
  private final FailureDetectorRegistry<Address> failureDetector;
  private final DowningRules rules;
  private final Map<String, Address> addresses = new HashMap<>();

  private HubDowning(ActorContext<Command> context, TimerScheduler<Command> timers, DowningRules.Settings settings,
      Duration tick) {
    super(context);
    this.cluster = Cluster.get(Adapter.toClassic(context.getSystem()));
    this.failureDetector = cluster.failureDetector();
    this.rules = new DowningRules(key(cluster.selfUniqueAddress()), settings);
    context.getSystem().eventStream().tell(new EventStream.Subscribe<>(ThisActorSystemQuarantinedEvent.class,
        context.messageAdapter(ThisActorSystemQuarantinedEvent.class, Quarantined::new)));
    timers.startTimerWithFixedDelay(Tick.INSTANCE, tick);
    context.getLog().info("Shoal downing started on {}: stable-after {}, standby takes over after {}, worker gives up after {}",
        cluster.selfAddress(), settings.stableAfter(), settings.standbyTakesOverAfter(), settings.workerGivesUpAfter());
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Tick.class, this::onTick)
        .onMessage(Quarantined.class, this::onQuarantined)
        .build();
  }

  private Behavior<Command> onTick(Tick tick) {
    rules.decide(view(), System.nanoTime()).forEach(this::down);
    return this;
  }

  private Behavior<Command> onQuarantined(Quarantined q) {
    String remote = q.event().remoteAddress().address() + "#" + q.event().remoteAddress().uid();
    List<MemberView> view = view();
    rules.quarantinedBy(remote, view).ifPresentOrElse(this::down,
        () -> getContext().getLog().warn("{} has quarantined this node; it is not a coordinator node, so this node stays",
            q.event().remoteAddress().address()));
    return this;
  }

  private void down(Verdict verdict) {
    Address address = addresses.get(verdict.address());
    if (address == null) {
      return;
    }
    getContext().getLog().warn("Shoal downing {}: {}", address, verdict.reason());
    cluster.down(address);
  }

  private List<MemberView> view() {
    var state = cluster.state();
    Set<Member> unreachable = state.getUnreachable();
    List<Member> members = new ArrayList<>();
    StreamSupport.stream(state.getMembers().spliterator(), false).forEach(members::add);
    members.sort((a, b) -> a.isOlderThan(b) ? -1 : b.isOlderThan(a) ? 1 : 0);
    addresses.clear();
    return members.stream().map(m -> {
      String key = key(m.uniqueAddress());
      addresses.put(key, m.address());
      return new MemberView(key, m.hasRole("coordinator"), phase(m.status()), unreachable.contains(m), reach(m.address()));
    }).collect(Collectors.toList());
  }

  private Reach reach(Address address) {
    if (address.equals(cluster.selfAddress()) || !failureDetector.isMonitoring(address)) {
      return Reach.UNMONITORED;
    }
    return failureDetector.isAvailable(address) ? Reach.AVAILABLE : Reach.UNAVAILABLE;
  }

  private static Phase phase(MemberStatus status) {
    if (status.equals(MemberStatus.up())) {
      return Phase.UP;
    }
    if (status.equals(MemberStatus.leaving())) {
      return Phase.LEAVING;
    }
    if (status.equals(MemberStatus.joining()) || status.equals(MemberStatus.weaklyUp())) {
      return Phase.JOINING;
    }
    return Phase.GONE;
  }

  private static String key(UniqueAddress address) {
    return address.address() + "#" + address.longUid();
  }
}
