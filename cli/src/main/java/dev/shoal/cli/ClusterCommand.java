package dev.shoal.cli;

import dev.shoal.client.RemotePool;
import dev.shoal.api.ClusterView;
import picocli.CommandLine.Command;

/** {@code shoal cluster}: the members of the cluster and the workers the coordinator dispatches to. */
@Command(name = "cluster", mixinStandardHelpOptions = true,
    description = "Show the cluster's members and the workers the coordinator dispatches to.")
public final class ClusterCommand extends ShowCommand {

  @Override
  String path() {
    return "/cluster";
  }

  @Override
  void printTable(RemotePool pool) {
    ClusterView c = pool.cluster();
    System.out.println("coordinator: " + c.coordinator());
    System.out.println();
    Table members = new Table().row("MEMBER", "ROLES", "STATUS", "REACHABLE");
    c.members().forEach(m -> members.row(m.address(), String.join(",", m.roles()), m.status(), m.reachable() ? "yes" : "NO"));
    members.print(System.out);
    System.out.println();
    Table workers = new Table().row("WORKER", "SLOTS", "BUSY", "HELD", "DRAINING", "LAST SEEN", "PATH");
    c.workers().forEach(w -> workers.row(w.node(), w.slots(), w.busy(), w.held(), w.draining() ? "yes" : "no",
        w.lastSeenMillisAgo() + " ms ago", w.path()));
    workers.print(System.out);
  }
}
