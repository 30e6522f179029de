package dev.shoal.cli;

import dev.shoal.api.FunctionInfo;
import dev.shoal.api.JarInfo;
import dev.shoal.client.RemotePool;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/**
 * {@code shoal jars}: the job jars a cluster keeps ({@code upload} and {@code delete} beside the
 * listing). A job runs a function of one with {@code shoal submit --jar}, which uploads it too.
 */
@Command(name = "jars", mixinStandardHelpOptions = true,
    description = "List the job jars a Shoal cluster keeps, newest first; `shoal jars upload FILE` and "
        + "`shoal jars delete SHA256` beside. `shoal submit --jar FILE` uploads and runs in one step.",
    subcommands = {JarsCommand.Upload.class, JarsCommand.Delete.class})
public final class JarsCommand extends ShowCommand {

  @Override
  String path() {
    return "/jars";
  }

  @Override
  void printTable(RemotePool pool) {
    Table table = new Table().row("SHA256", "NAME", "SIZE", "FUNCTIONS", "UPLOADED");
    for (JarInfo j : pool.jars()) {
      table.row(j.sha256(), j.name(), j.size(), j.functions().stream().map(FunctionInfo::name).collect(Collectors.joining(",")),
          Table.time(j.uploadedAt()));
    }
    table.print(System.out);
  }

  /** Uploads the jar file {@code jar}, for {@code submit --jar FILE} and {@code jars upload FILE}; a refusal is a usage error. */
  static JarInfo upload(RemotePool pool, Path jar) {
    if (!Files.isRegularFile(jar)) {
      throw new UsageException("--jar '" + jar + "' is not a file");
    }
    try {
      return pool.uploadJar(jar);
    } catch (IllegalArgumentException e) {
      throw new UsageException("the coordinator refused " + jar.getFileName() + ": " + e.getMessage());
    }
  }

  @Command(name = "upload", mixinStandardHelpOptions = true,
      description = "Upload a jar of Shoal functions; prints its SHA-256, which a job names with "
          + "`shoal submit --jar SHA256` (or {\"jar\": ...} over HTTP).")
  static final class Upload implements Callable<Integer> {

    @Mixin
    CoordinatorOption coordinator;

    @Mixin
    JsonOutput output;

    @Parameters(paramLabel = "FILE", description = "the jar")
    Path jar;

    @Override
    public Integer call() throws Exception {
      JarInfo info = upload(coordinator.connect(), jar);
      if (!output.printed(info)) {
        System.out.println(info.sha256());
        System.err.println("shoal: " + info.name() + " (" + info.size() + " bytes) holds " + info.functionNames());
      }
      return ExitCodes.OK;
    }
  }

  @Command(name = "delete", mixinStandardHelpOptions = true,
      description = "Delete a job jar; refused while a job not yet ended runs it.")
  static final class Delete implements Callable<Integer> {

    @Mixin
    CoordinatorOption coordinator;

    @Parameters(paramLabel = "SHA256", description = "the jar's SHA-256 (see `shoal jars`)")
    String sha;

    @Override
    public Integer call() {
      try {
        coordinator.connect().deleteJar(sha);
      } catch (IllegalStateException e) {
        throw new UsageException(e.getMessage());
      }
      return ExitCodes.OK;
    }
  }
}
