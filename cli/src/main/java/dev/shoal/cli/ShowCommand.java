package dev.shoal.cli;

import dev.shoal.client.RemotePool;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;

/** A client command that shows one resource of the HTTP API: as a table, or as its JSON with {@code --json}. */
abstract class ShowCommand implements Callable<Integer> {

  @Mixin
  CoordinatorOption coordinator;

  @Mixin
  JsonOutput output;

  /** The API path shown, such as {@code /jobs}. */
  abstract String path();

  abstract void printTable(RemotePool pool);

  @Override
  public Integer call() throws Exception {
    RemotePool pool = coordinator.connect();
    if (!output.printed(pool.json(path()))) {
      printTable(pool);
    }
    return ExitCodes.OK;
  }
}
