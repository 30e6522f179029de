package dev.shoal.cli;

import dev.shoal.client.RemotePool;
import dev.shoal.coordinator.job.JobStatus;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code shoal jobs}: the coordinator's jobs, newest first. */
@Command(name = "jobs", mixinStandardHelpOptions = true,
    description = "List the jobs of a Shoal cluster, newest first: those running and the last finished ones.")
public final class JobsCommand implements Callable<Integer> {

  @Mixin
  CoordinatorOption coordinator;

  @Mixin
  JsonOutput output;

  @Override
  public Integer call() throws Exception {
    RemotePool pool = coordinator.connect();
    if (output.printed(pool.json("/jobs"))) {
      return ExitCodes.OK;
    }
    Table table = new Table().row("ID", "FUNCTION", "STATE", "DONE", "ERRORS", "ITEMS/S", "SUBMITTED");
    for (JobStatus s : pool.jobs()) {
      table.row(s.id(), s.function(), s.state(), Table.outOf(s.done(), s.total()), s.errors(),
          String.format(Locale.ROOT, "%.0f", s.itemsPerSecond()), Table.time(s.submittedAt()));
    }
    table.print(System.out);
    return ExitCodes.OK;
  }
}
