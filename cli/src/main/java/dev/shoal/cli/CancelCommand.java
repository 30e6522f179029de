package dev.shoal.cli;

import dev.shoal.client.RemotePool;
import dev.shoal.api.JobStatus;
import picocli.CommandLine.Command;

/** {@code shoal cancel ID}: stops a job; its results so far stay readable. */
@Command(name = "cancel", mixinStandardHelpOptions = true,
    description = "Cancel a job: queued items are dropped, running ones interrupted; the results so far stay readable. "
        + "A job that has ended keeps its state.")
public final class CancelCommand extends JobStatusCommand {

  @Override
  JobStatus apply(RemotePool pool, String id) {
    return pool.cancel(id);
  }
}
