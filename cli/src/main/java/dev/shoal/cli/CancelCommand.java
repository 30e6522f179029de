package dev.shoal.cli;

import dev.shoal.coordinator.job.JobStatus;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code shoal cancel ID}: stops a job; its results so far stay readable. */
@Command(name = "cancel", mixinStandardHelpOptions = true,
    description = "Cancel a job: queued items are dropped, running ones interrupted; the results so far stay readable. "
        + "A job that has ended keeps its state.")
public final class CancelCommand implements Callable<Integer> {

  @Mixin
  CoordinatorOption coordinator;

  @Mixin
  JsonOutput output;

  @Parameters(paramLabel = "ID", description = "the job's id (see `shoal jobs`)")
  String id;

  @Override
  public Integer call() throws Exception {
    JobStatus s = coordinator.connect().cancel(id);
    if (!output.printed(s)) {
      StatusCommand.print(s, System.out);
    }
    return ExitCodes.OK;
  }
}
