package dev.shoal.cli;

import dev.shoal.client.RemotePool;
import dev.shoal.api.JobStatus;
import picocli.CommandLine.Command;

/** {@code shoal status ID}: one job's state, progress and timings. */
@Command(name = "status", mixinStandardHelpOptions = true, description = "Show a job's state, progress and timings.")
public final class StatusCommand extends JobStatusCommand {

  @Override
  JobStatus apply(RemotePool pool, String id) {
    return pool.status(id);
  }
}
