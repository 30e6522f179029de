package dev.shoal.cli;

import dev.shoal.client.JobHandle;
import dev.shoal.client.RemotePool;
import dev.shoal.api.JobRequest;
import dev.shoal.api.JobStatus;
import dev.shoal.api.JarInfo;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code shoal submit}: runs a job on a Shoal cluster through its coordinator's HTTP API and writes
 * the results as {@code shoal run} does (the same bytes, the same exit codes), as they come.
 * Interrupting it (Ctrl-C) cancels the job; {@code --detach} leaves the job to run on its own.
 * Through a coordinator restart or failover it follows the job for {@code --follow-deadline}, and
 * its output has no gap and no repeat; the submission itself is retried only while connections are
 * refused, and an upload ({@code --items FILE} or stdin) cut off fails its job.
 */
@Command(name = "submit", mixinStandardHelpOptions = true,
    description = "Run a job on a Shoal cluster and write its results as JSON Lines as they come "
        + "(exit code 0 succeeded, 3 some items failed, 2 usage, 1 anything else).")
public final class SubmitCommand implements Callable<Integer> {

  @Mixin
  CoordinatorOption coordinator;

  @Mixin
  FollowOption follow;

  @Mixin
  JobOptions job;

  @Option(names = "--detach", description = "print the job's id and return once its items are sent (at once for a range); read the results later with `shoal results ID`")
  boolean detach;

  @Option(names = "--no-progress", description = "no progress display on stderr")
  boolean noProgress;

  @Option(names = "--jar", paramLabel = "FILE|SHA256", description = "run --function from this jar of Shoal functions: "
      + "it is uploaded first (once: the same bytes are one jar) and the workers fetch it; or the SHA-256 of a jar "
      + "uploaded before (see `shoal jars`)")
  String jar;

  @Override
  public Integer call() throws Exception {
    JobRequest request = job.request();
    job.range();
    job.itemsFile();
    if (detach && job.out() != null) {
      throw new UsageException("--out does not go with --detach: read the results later with `shoal results ID --out FILE`");
    }
    RemotePool pool = coordinator.connect(follow);
    if (jar != null) {
      request = request.withJar(jarHash(pool));
    }
    if (detach) {
      JobHandle handle = submit(pool, request);
      System.out.println(handle.id());
      // the job reads an upload as it comes: returning before its end would cut its input off
      handle.awaitInput();
      return ExitCodes.OK;
    }
    JobStatus status;
    try (OutputStream out = ResultWriter.open(job.out())) {
      JobHandle handle = submit(pool, request);
      Thread cancelOnExit = new Thread(() -> cancelUnlessEnded(handle), "shoal-cancel-on-exit");
      Runtime.getRuntime().addShutdownHook(cancelOnExit);
      try (ProgressDisplay progress = ProgressDisplay.start("job " + handle.id(), handle.status().total(), !noProgress)) {
        status = ResultWriter.write(handle, out, true, (done, errors) -> progress.update(done, errors, handle.itemsSent()));
      } finally {
        try {
          Runtime.getRuntime().removeShutdownHook(cancelOnExit);
        } catch (IllegalStateException exiting) {
          // the JVM is on its way out and the hook is cancelling the job
        }
      }
    }
    ResultWriter.summary(System.err, status);
    return ExitCodes.of(status.state());
  }

  /** The jar's hash: the value itself when it is one and names no file, else the hash of the file once uploaded. */
  private String jarHash(RemotePool pool) {
    Path file = Path.of(jar);
    if (JarInfo.isSha256(jar.toLowerCase(java.util.Locale.ROOT)) && !Files.exists(file)) {
      return jar;
    }
    JarInfo info = JarsCommand.upload(pool, file);
    // the hash is the name to run it by again: said even with --no-progress
    System.err.println("shoal: jar " + info.name() + " is " + info.sha256());
    return info.sha256();
  }

  private JobHandle submit(RemotePool pool, JobRequest request) {
    try {
      return pool.submit(request, job.items());
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
  }

  private static void cancelUnlessEnded(JobHandle handle) {
    try {
      if (!handle.status().state().isFinal()) {
        handle.cancel();
        System.err.println("shoal: cancelled job " + handle.id());
      }
    } catch (RuntimeException e) {
      System.err.println("shoal: could not cancel job " + handle.id() + ": " + e.getMessage());
    }
  }
}
