package dev.shoal.cli.node;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Who is downed in a Shoal cluster, decided from one node's view. A Shoal cluster is a star: one
 * precious node (the <em>hub</em>, the oldest Up coordinator node, which runs the coordinator
 * singleton and holds every job) and any number of interchangeable workers. So, unlike a general
 * split brain resolver, these rules never weigh sides against each other:
 *
 * <ul>
 *   <li><b>On the hub</b>: another member is downed when the hub's <em>own</em> failure detector has
 *       found it unavailable for {@code stableAfter}, each member on its own clock. A member the hub
 *       does not monitor (a cluster larger than the heartbeat ring) is downed on gossip after four
 *       times as long. A member the hub hears well is never downed because some starving worker
 *       cannot hear it. The hub never downs itself for anything a worker does.</li>
 *   <li><b>On a standby coordinator</b> (the next coordinator node): when the hub has been
 *       unreachable for {@code standbyTakesOverAfter}, the standby downs it, becomes the hub and the
 *       singleton moves to it.</li>
 *   <li><b>On a worker</b>: when no coordinator has been reachable for {@code workerGivesUpAfter}
 *       (the hub is unreachable, gone, or every member it monitors is silent), the worker downs
 *       itself, so its process exits non-zero and its supervisor starts a fresh one that joins
 *       anew; it never lingers as a zombie.</li>
 *   <li><b>Quarantine</b>: a node quarantined by a coordinator node has been removed by the hub
 *       and downs itself; a quarantine by a worker is only logged, since workers never decide
 *       anything about the hub.</li>
 * </ul>
 *
 * <p>Guarantees: decisions depend only on the views passed in and the clock values given, so the
 * rules are deterministic; a member is named in a verdict at most once.
 *
 * <p>Caveats: a network partition that cuts the hub off from the standby but not from the workers
 * is resolved by the hub downing the standby first ({@code stableAfter} is shorter than
 * {@code standbyTakesOverAfter}); a partition that isolates the hub from everyone else leaves two
 * coordinators until the old hub's side rejoins and is quarantined, which only matters once
 * coordinators share state.
 */
public final class DowningRules {

  /** What this node's own failure detector says about a member. */
  public enum Reach { AVAILABLE, UNAVAILABLE, UNMONITORED }

  /** A member's lifecycle, as far as downing cares. */
  public enum Phase {
    JOINING, UP, LEAVING, GONE;

    boolean canBeHub() {
      return this == UP || this == LEAVING;
    }
  }

  /** One member as this node sees it; {@code gossipUnreachable} means some member reports it so. */
  public record MemberView(String address, boolean coordinator, Phase phase, boolean gossipUnreachable, Reach own) {}

  /** A member to down, and why, in words for the log. */
  public record Verdict(String address, String reason) {}

  public record Settings(Duration stableAfter, Duration standbyTakesOverAfter, Duration workerGivesUpAfter) {
    public Settings {
      if (stableAfter.isNegative() || standbyTakesOverAfter.isNegative() || workerGivesUpAfter.isNegative()) {
        throw new IllegalArgumentException("downing timeouts must not be negative");
      }
      if (standbyTakesOverAfter.compareTo(stableAfter) <= 0 || workerGivesUpAfter.compareTo(standbyTakesOverAfter) <= 0) {
        throw new IllegalArgumentException("shoal.downing needs stable-after < standby-takes-over-after < worker-gives-up-after, got "
            + stableAfter + ", " + standbyTakesOverAfter + ", " + workerGivesUpAfter);
      }
    }
  }

  private static final int RUMOUR_FACTOR = 4;

  private final String self;
  private final Settings settings;
  private final Map<String, Long> unavailableSince = new HashMap<>();
  private final Map<String, Long> rumouredSince = new HashMap<>();
  private final Set<String> downed = new HashSet<>();
  private Long hubLostSince;
  private boolean hubSeen;

  public DowningRules(String self, Settings settings) {
    this.self = self;
    this.settings = settings;
  }

  /**
   * The members to down now, given every member oldest first (the order the singleton uses) and
   * the current time in nanoseconds.
   */
  public List<Verdict> decide(List<MemberView> oldestFirst, long nowNanos) {
    MemberView me = find(oldestFirst, self).orElse(null);
    if (me == null || me.phase() == Phase.GONE) {
      return List.of();
    }
    forgetMissing(oldestFirst);
    Optional<MemberView> hub = oldestFirst.stream().filter(m -> m.coordinator() && m.phase().canBeHub()).findFirst();
    if (hub.isPresent() && hub.get().address().equals(self)) {
      hubLostSince = null;
      hubSeen = true;
      return asHub(oldestFirst, nowNanos);
    }
    return me.coordinator() ? asStandby(hub, nowNanos) : asWorker(oldestFirst, hub, nowNanos);
  }

  /**
   * What to do when the member at {@code remote} has quarantined this node: a coordinator node
   * quarantines only members that were removed, so this node is out and downs itself.
   */
  public Optional<Verdict> quarantinedBy(String remote, List<MemberView> oldestFirst) {
    boolean byCoordinator = find(oldestFirst, remote).map(MemberView::coordinator).orElse(false);
    if (!byCoordinator || !downed.add(self)) {
      return Optional.empty();
    }
    return Optional.of(new Verdict(self, "the coordinator node " + remote + " has quarantined this node"));
  }

  private List<Verdict> asHub(List<MemberView> members, long now) {
    List<Verdict> verdicts = new ArrayList<>();
    for (MemberView m : members) {
      if (m.address().equals(self) || m.phase() == Phase.GONE || downed.contains(m.address())) {
        continue;
      }
      long unavailable = track(unavailableSince, m.address(), m.own() == Reach.UNAVAILABLE, now);
      long rumoured = track(rumouredSince, m.address(), m.own() == Reach.UNMONITORED && m.gossipUnreachable(), now);
      if (unavailable >= settings.stableAfter().toNanos()) {
        verdicts.add(down(m.address(), "unreachable from the coordinator for " + seconds(unavailable)));
      } else if (rumoured >= settings.stableAfter().toNanos() * RUMOUR_FACTOR) {
        verdicts.add(down(m.address(), "reported unreachable by other members for " + seconds(rumoured)
            + " and not monitored by the coordinator"));
      }
    }
    return verdicts;
  }

  private List<Verdict> asStandby(Optional<MemberView> hub, long now) {
    if (hub.isEmpty() || downed.contains(hub.get().address())) {
      return List.of();
    }
    long lost = trackHub(hub.map(DowningRules::reachable).orElse(false), now);
    if (lost >= settings.standbyTakesOverAfter().toNanos()) {
      return List.of(down(hub.get().address(), "the coordinator has been unreachable for " + seconds(lost)
          + "; this standby takes over"));
    }
    return List.of();
  }

  private List<Verdict> asWorker(List<MemberView> members, Optional<MemberView> hub, long now) {
    if (downed.contains(self)) {
      return List.of();
    }
    List<MemberView> monitored = members.stream()
        .filter(m -> !m.address().equals(self) && m.phase() != Phase.GONE && m.own() != Reach.UNMONITORED).toList();
    boolean isolated = !monitored.isEmpty() && monitored.stream().allMatch(m -> m.own() == Reach.UNAVAILABLE);
    boolean hubReachable = hub.map(DowningRules::reachable).orElse(false);
    boolean connected = hubReachable && !isolated;
    if (!connected && !hubSeen) {
      return List.of();
    }
    long lost = trackHub(connected, now);
    if (lost >= settings.workerGivesUpAfter().toNanos()) {
      String why = hub.isEmpty() ? "no coordinator node has been in the cluster for "
          : !hubReachable ? "the coordinator has been unreachable for " : "no member this node monitors has answered for ";
      return List.of(down(self, why + seconds(lost) + "; restart to rejoin"));
    }
    return List.of();
  }

  /** How long the hub has been out of reach: zero while it is in reach. */
  private long trackHub(boolean connected, long now) {
    if (connected) {
      hubSeen = true;
      hubLostSince = null;
      return 0;
    }
    if (hubLostSince == null) {
      hubLostSince = now;
    }
    return now - hubLostSince;
  }

  private static boolean reachable(MemberView m) {
    return m.own() == Reach.AVAILABLE || (m.own() == Reach.UNMONITORED && !m.gossipUnreachable());
  }

  private static long track(Map<String, Long> since, String address, boolean suspect, long now) {
    if (!suspect) {
      since.remove(address);
      return -1;
    }
    return now - since.computeIfAbsent(address, a -> now);
  }

  private Verdict down(String address, String reason) {
    downed.add(address);
    unavailableSince.remove(address);
    rumouredSince.remove(address);
    return new Verdict(address, reason);
  }

  private void forgetMissing(List<MemberView> members) {
    Set<String> present = new HashSet<>();
    members.forEach(m -> present.add(m.address()));
    unavailableSince.keySet().retainAll(present);
    rumouredSince.keySet().retainAll(present);
    downed.retainAll(present);
  }

  private static Optional<MemberView> find(List<MemberView> members, String address) {
    return members.stream().filter(m -> m.address().equals(address)).findFirst();
  }

  private static String seconds(long nanos) {
    return String.format("%.1f s", nanos / 1e9);
  }
}
