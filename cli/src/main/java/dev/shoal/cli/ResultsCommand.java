package dev.shoal.cli;

import dev.shoal.client.JobHandle;
import dev.shoal.api.JobStatus;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code shoal results ID}: a job's results from the start, following them until the job ends,
 * through a coordinator restart or failover for {@code --follow-deadline}, with no gap and no repeat.
 */
@Command(name = "results", mixinStandardHelpOptions = true,
    description = "Write a job's results as JSON Lines, from the first; while the job runs, they follow as they come. "
        + "Exit code as for `submit`: 0 succeeded, 3 some items failed, 1 the job failed or was cancelled.")
public final class ResultsCommand implements Callable<Integer> {

  @Mixin
  CoordinatorOption coordinator;

  @Mixin
  FollowOption follow;

  @Parameters(paramLabel = "ID", description = "the job's id (see `shoal jobs`)")
  String id;

  @Option(names = "--out", paramLabel = "FILE", description = "write results here (default: stdout)")
  Path out;

  @Override
  public Integer call() throws Exception {
    JobHandle job = coordinator.connect(follow).job(id);
    JobStatus status;
    try (OutputStream o = ResultWriter.open(out)) {
      status = ResultWriter.write(job, o, true, (items, errors) -> {});
    }
    ResultWriter.summary(System.err, status);
    return ExitCodes.of(status.state());
  }
}
