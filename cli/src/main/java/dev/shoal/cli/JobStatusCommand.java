package dev.shoal.cli;

import dev.shoal.client.RemotePool;
import dev.shoal.api.JobStatus;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** A client command on one job that answers with the job's status: a table, or its JSON with {@code --json}. */
abstract class JobStatusCommand implements Callable<Integer> {

  @Mixin
  CoordinatorOption coordinator;

  @Mixin
  JsonOutput output;

  @Parameters(paramLabel = "ID", description = "the job's id (see `shoal jobs`)")
  String id;

  /** Does the command's work on the job and returns its status after. */
  abstract JobStatus apply(RemotePool pool, String id);

  @Override
  public Integer call() throws Exception {
    JobStatus s = apply(coordinator.connect(), id);
    if (!output.printed(s)) {
      print(s);
    }
    return ExitCodes.OK;
  }

  private static void print(JobStatus s) {
    String percent = s.total() > 0 ? String.format(Locale.ROOT, " (%.0f%%)", 100.0 * s.done() / s.total()) : "";
    Table t = new Table()
        .row("job", s.id())
        .row("function", s.function())
        .row("state", s.state())
        .row("done", Table.outOf(s.done(), s.total()) + " items" + percent)
        .row("errors", s.errors())
        .row("retried", s.retried())
        .row("priority", s.priority())
        .row("weight", s.weight())
        .row("submitted", Table.time(s.submittedAt()))
        .row("started", Table.time(s.startedAt()))
        .row("finished", Table.time(s.finishedAt()))
        .row("job time", String.format(Locale.ROOT, "%.3f s", s.jobMillis() / 1000.0))
        .row("rate", String.format(Locale.ROOT, "%.0f items/s", s.itemsPerSecond()))
        .row("order", s.ordered() ? "input order" : "completion order");
    if (s.message() != null) {
      t.row("message", s.message());
    }
    t.print(System.out);
  }
}
