package dev.shoal.cli;

import dev.shoal.client.RemotePool;
import dev.shoal.api.JobStatus;
import java.util.Locale;
import picocli.CommandLine.Command;

/** {@code shoal jobs}: the coordinator's jobs, newest first. */
@Command(name = "jobs", mixinStandardHelpOptions = true,
    description = "List the jobs of a Shoal cluster, newest first: those running and the last finished ones.")
public final class JobsCommand extends ShowCommand {

  @Override
  String path() {
    return "/jobs";
  }

  @Override
  void printTable(RemotePool pool) {
    Table table = new Table().row("ID", "FUNCTION", "STATE", "PRIORITY", "WEIGHT", "DONE", "ERRORS", "RETRIED",
        "ITEMS/S", "SUBMITTED");
    for (JobStatus s : pool.jobs()) {
      table.row(s.id(), s.function(), s.state(), s.priority(), s.weight(), Table.outOf(s.done(), s.total()), s.errors(),
          s.retried(),
          String.format(Locale.ROOT, "%.0f", s.itemsPerSecond()), Table.time(s.submittedAt()));
    }
    table.print(System.out);
  }
}
