package dev.shoal.cli;

import dev.shoal.client.JobHandle;
import dev.shoal.local.LocalPool;
import dev.shoal.api.JobRequest;
import dev.shoal.api.JobStatus;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code shoal run}: one JVM holding the coordinator and N worker actors; the embedded mode. */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = "Run a job on worker threads of this JVM (the coordinator and N worker actors in one process).")
public final class RunCommand implements Callable<Integer> {

  @Option(names = "--workers", paramLabel = "N", defaultValue = "${sys:shoal.defaultWorkers:-4}",
      description = "worker actors (default: ${DEFAULT-VALUE})")
  int workers;

  @Mixin
  JobOptions job;

  @Option(names = "--plugins", paramLabel = "DIR", description = "a folder of function jars (default: ./plugins when it exists)")
  Path plugins;

  @Option(names = "--enable-test-functions", description = "add the fault-test functions fail, flaky, halt and hang")
  boolean testFunctions;

  @Override
  public Integer call() throws Exception {
    if (workers < 1) {
      throw new UsageException("--workers must be at least 1, got " + workers);
    }
    JobRequest request = job.request();
    job.range();
    job.itemsFile();
    Path pluginDir = ShoalCli.pluginsDir(plugins);
    try (LocalPool pool = LocalPool.start(new LocalPool.Options(workers, pluginDir, testFunctions, null))) {
      pool.warnings().forEach(w -> System.err.println("shoal: warning: " + w));
      JobHandle handle;
      try {
        handle = pool.submit(request, job.items());
      } catch (IllegalArgumentException e) {
        throw new UsageException(e.getMessage());
      }
      JobStatus status;
      try (OutputStream out = ResultWriter.open(job.out())) {
        status = ResultWriter.write(handle, out, n -> {});
      }
      ResultWriter.summary(System.err, status);
      return ExitCodes.of(status.state());
    }
  }
}
