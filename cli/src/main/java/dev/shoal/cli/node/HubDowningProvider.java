package dev.shoal.cli.node;

import com.typesafe.config.Config;
import java.time.Duration;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Props;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.cluster.DowningProvider;
import scala.Option;
import scala.concurrent.duration.FiniteDuration;

/**
 * Plugs {@link HubDowning} into Pekko Cluster in place of the Split Brain Resolver (configured as
 * {@code pekko.cluster.downing-provider-class}). The settings are {@code shoal.downing}.
 *
 * <p>Why not the Split Brain Resolver: its keep-oldest strategy first downs every "indirectly
 * connected" node, and on a starved machine the coordinator and a worker mark each other
 * unreachable, which puts the coordinator among them; its one stability timer restarts whenever any
 * member becomes unreachable, so under steady worker churn dead workers are never downed, new ones
 * never leave WeaklyUp, and in the end it downs everyone, the coordinator included. A Shoal cluster
 * is a star around one precious node, so the hub decides alone, per member.
 */
public final class HubDowningProvider extends DowningProvider {

  private final ActorSystem system;

  public HubDowningProvider(ActorSystem system) {
    this.system = system;
  }

  @Override
  public FiniteDuration downRemovalMargin() {
    return Cluster.get(system).settings().DownRemovalMargin();
  }

  @Override
  public Option<Props> downingActorProps() {
    Config config = system.settings().config().getConfig("shoal.downing");
    DowningRules.Settings settings = new DowningRules.Settings(config.getDuration("stable-after"),
        config.getDuration("standby-takes-over-after"), config.getDuration("worker-gives-up-after"));
    Duration tick = config.getDuration("tick");
    return Option.apply(Adapter.props(() -> HubDowning.create(settings, tick)));
  }
}
