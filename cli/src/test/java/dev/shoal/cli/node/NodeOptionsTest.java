package dev.shoal.cli.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Which seeds a node joins. A coordinator restarted after a crash must rejoin the cluster its
 * workers are still in: its last known members come after its seeds whether the seeds are its
 * default (itself) or given, as docker-compose gives {@code SHOAL_SEEDS=coordinator:2551} to every
 * node; given only itself, it would found a second cluster and its workers would give up on it.
 */
class NodeOptionsTest {

  @Test
  void aCoordinatorsKnownMembersFollowItsDefaultSeedItself() {
    NodeOptions o = options(null);
    assertEquals(List.of("pekko://shoal@127.0.0.1:2551", "pekko://shoal@127.0.0.1:4001", "pekko://shoal@127.0.0.1:4002"),
        seeds(o, List.of("127.0.0.1:4001", "127.0.0.1:4002")));
  }

  @Test
  void aCoordinatorsKnownMembersFollowTheSeedsItIsGivenOnceEachAndWithoutItself() {
    NodeOptions o = options("127.0.0.1:2551, 127.0.0.1:4001");
    assertEquals(List.of("pekko://shoal@127.0.0.1:2551", "pekko://shoal@127.0.0.1:4001", "pekko://shoal@127.0.0.1:4002"),
        seeds(o, List.of("127.0.0.1:4001", "127.0.0.1:2551", "127.0.0.1:4002")));
  }

  @Test
  void withoutKnownMembersTheSeedsAreAsGiven() {
    assertEquals(List.of("pekko://shoal@10.0.0.5:2551"), seeds(options("10.0.0.5:2551"), List.of()));
  }

  private static NodeOptions options(String seeds) {
    NodeOptions o = new NodeOptions();
    o.host = "127.0.0.1";
    o.port = 2551;
    o.seeds = seeds;
    o.noTls = true;
    return o;
  }

  private static List<String> seeds(NodeOptions o, List<String> known) {
    return o.config("coordinator", 2551, "SELF", known).getStringList("pekko.cluster.seed-nodes");
  }
}
