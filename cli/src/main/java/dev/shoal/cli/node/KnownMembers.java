package dev.shoal.cli.node;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.stream.StreamSupport;
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

  private KnownMembers(ActorContext<ClusterEvent.MemberEvent> context, Path dataDir) {
    super(context);
    this.dataDir = dataDir;
    ActorRef<ClusterEvent.MemberEvent> self = context.getSelf();
    Cluster.get(context.getSystem()).subscriptions().tell(Subscribe.create(self, ClusterEvent.MemberEvent.class));
  }

  @Override
  public Receive<ClusterEvent.MemberEvent> createReceive() {
    return newReceiveBuilder()
        .onMessage(ClusterEvent.MemberEvent.class, this::onMemberEvent)
        .build();
  }

  private Behavior<ClusterEvent.MemberEvent> onMemberEvent(ClusterEvent.MemberEvent event) {
    if (!(event instanceof ClusterEvent.MemberUp) && !(event instanceof ClusterEvent.MemberRemoved)) {
      return this;
    }
    Cluster cluster = Cluster.get(getContext().getSystem());
    List<String> others = StreamSupport.stream(cluster.state().getMembers().spliterator(), false)
        .filter(m -> !m.address().equals(cluster.selfMember().address()))
        .map(Member::address)
        .map(a -> a.getHost().orElse("") + ":" + a.getPort().orElse(0))
        .sorted()
        .toList();
    Path file = dataDir.resolve(FILE);
    try {
      Path tmp = dataDir.resolve(FILE + ".tmp");
      Files.write(tmp, (String.join("\n", others) + "\n").getBytes(StandardCharsets.UTF_8));
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      getContext().getLog().warn("cannot keep the cluster's members in {}: {}", file, e.getMessage());
    }
    return this;
  }
}
