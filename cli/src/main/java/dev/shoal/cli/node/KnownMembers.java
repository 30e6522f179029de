package dev.shoal.cli.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * Keeps the addresses of the cluster's other members in the coordinator's data folder ({@value
 * #FILE}), so that a coordinator restarted after a crash joins the cluster its workers are still in
 * (they are its seeds after itself) instead of founding a new one beside it: the workers stay, and
 * the restarted coordinator's recovered jobs run on them within seconds.
 *
 * <p>Guarantee: the file is replaced atomically, so a crash leaves the old list or the new one.
 *
 * <p>Caveat: a list of members that are all gone makes the next start wait for the seed-node
 * timeout before the coordinator founds a cluster of its own.
 */
final class KnownMembers extends AbstractBehavior<ClusterEvent.MemberEvent> {

  static final String FILE = "cluster-members";

  static Behavior<ClusterEvent.MemberEvent> create(Path dataDir) {
    return Behaviors.setup(context -> new KnownMembers(context, dataDir));
  }

  /** The members the file holds (host:port), none when there is no file. */
  static List<String> read(Path dataDir) {
    Path file = dataDir.resolve(FILE);
    try {
      return Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8).stream()
          .map(String::strip).filter(l -> l.matches("[^\\s:]+:\\d{1,5}")).toList() : List.of();
    } catch (IOException e) {
      return List.of();
    }
  }

  private final Path dataDir;
  private final String self;
  /** host:port of every other member since it asked to join, until it is removed. */
  private final SortedSet<String> others = new TreeSet<>();

  private KnownMembers(ActorContext<ClusterEvent.MemberEvent> context, Path dataDir) {
    super(context);
    this.dataDir = dataDir;
    Cluster cluster = Cluster.get(context.getSystem());
    this.self = hostPort(cluster.selfMember());
    ActorRef<ClusterEvent.MemberEvent> me = context.getSelf();
    // typed subscriptions replay the current members as events, so the set starts complete
    cluster.subscriptions().tell(Subscribe.create(me, ClusterEvent.MemberEvent.class));
  }

  @Override
  public Receive<ClusterEvent.MemberEvent> createReceive() {
    return newReceiveBuilder()
        .onMessage(ClusterEvent.MemberRemoved.class, this::onMemberRemoved)
        .onMessage(ClusterEvent.MemberEvent.class, this::onMemberEvent)
        .build();
  }

  private Behavior<ClusterEvent.MemberEvent> onMemberRemoved(ClusterEvent.MemberRemoved event) {
    if (others.remove(hostPort(event.member()))) {
      write();
    }
    return this;
  }

  /**
   * A member is kept from its first event (joining), not from Up: a worker admitted a moment before
   * the coordinator crashes is already a member the restarted coordinator must look for.
   */
  private Behavior<ClusterEvent.MemberEvent> onMemberEvent(ClusterEvent.MemberEvent event) {
    String member = hostPort(event.member());
    if (!member.equals(self) && others.add(member)) {
      write();
    }
    return this;
  }

  private static String hostPort(Member member) {
    return member.address().getHost().orElse("") + ":" + member.address().getPort().orElse(0);
  }

  private void write() {
    Path file = dataDir.resolve(FILE);
    try {
      Path tmp = dataDir.resolve(FILE + ".tmp");
      Files.write(tmp, (String.join("\n", others) + "\n").getBytes(StandardCharsets.UTF_8));
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      getContext().getLog().warn("cannot keep the cluster's members in {}: {}", file, e.getMessage());
    }
  }
}
