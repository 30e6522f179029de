package dev.shoal.cli;

import dev.shoal.client.RemotePool;
import dev.shoal.protocol.FunctionInfo;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code shoal functions}: what a cluster can run. */
@Command(name = "functions", mixinStandardHelpOptions = true,
    description = "List the functions a Shoal cluster can run: the coordinator's and every connected worker's.")
public final class FunctionsCommand implements Callable<Integer> {

  @Mixin
  CoordinatorOption coordinator;

  @Mixin
  JsonOutput output;

  @Override
  public Integer call() throws Exception {
    RemotePool pool = coordinator.connect();
    if (output.printed(pool.json("/functions"))) {
      return ExitCodes.OK;
    }
    Table table = new Table().row("NAME", "KIND", "DESCRIPTION");
    for (FunctionInfo f : pool.functions()) {
      table.row(f.name(), f.kind(), f.description());
    }
    table.print(System.out);
    return ExitCodes.OK;
  }
}
