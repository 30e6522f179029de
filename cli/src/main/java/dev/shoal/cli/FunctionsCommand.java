package dev.shoal.cli;

import dev.shoal.client.RemotePool;
import dev.shoal.api.FunctionInfo;
import picocli.CommandLine.Command;

/** {@code shoal functions}: what a cluster can run. */
@Command(name = "functions", mixinStandardHelpOptions = true,
    description = "List the functions a Shoal cluster can run: the coordinator's and every connected worker's.")
public final class FunctionsCommand extends ShowCommand {

  @Override
  String path() {
    return "/functions";
  }

  @Override
  void printTable(RemotePool pool) {
    Table table = new Table().row("NAME", "KIND", "DESCRIPTION");
    for (FunctionInfo f : pool.functions()) {
      table.row(f.name(), f.kind(), f.description());
    }
    table.print(System.out);
  }
}
