package dev.shoal.cli;

import dev.shoal.client.AccessDeniedException;
import dev.shoal.client.CoordinatorUnreachableException;
import dev.shoal.client.UnknownJobException;
import java.nio.file.Files;
import java.nio.file.Path;
import dev.shoal.cli.node.CoordinatorNode;
import dev.shoal.cli.node.WorkerNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code shoal} executable: the embedded runner, the node launchers and the client commands.
 * Every failure ends in one line on stderr and an exit code (2 for a usage mistake, an unknown job
 * included; 1 for anything else, an unreachable coordinator included); a stack trace is printed
 * only with {@code SHOAL_DEBUG=1}.
 */
@Command(name = "shoal", mixinStandardHelpOptions = true, version = "shoal 0.1.0",
    description = "A distributed worker pool for the JVM.",
    subcommands = {RunCommand.class, CoordinatorNode.class, WorkerNode.class, SubmitCommand.class, JobsCommand.class, StatusCommand.class, ResultsCommand.class,
        CancelCommand.class, ClusterCommand.class, FunctionsCommand.class, JarsCommand.class, CertsCommand.class, TokenCommand.class})
public final class ShoalCli {

  public static void main(String[] args) {
    if (args.length > 0 && (args[0].equals("coordinator") || args[0].equals("worker"))
        && System.getProperty("shoal.log.level") == null) {
      // nodes are services: their log is their output; client commands keep stderr quiet
      System.setProperty("shoal.log.level", "INFO");
    }
    // start logging before any thread logs, or SLF4J replays (and announces) the early calls
    org.slf4j.LoggerFactory.getILoggerFactory();
    System.exit(execute(args));
  }

  public static int execute(String... args) {
    CommandLine cli = new CommandLine(new ShoalCli());
    cli.setParameterExceptionHandler((ex, a) -> {
      CommandLine cmd = ex.getCommandLine();
      System.err.println("shoal: " + ex.getMessage() + " (see '" + cmd.getCommandSpec().qualifiedName() + " --help')");
      return ExitCodes.USAGE;
    });
    cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
      if (ex instanceof UsageException || ex instanceof UnknownJobException) {
        System.err.println("shoal: " + ex.getMessage());
        return ExitCodes.USAGE;
      }
      if (ex instanceof AccessDeniedException) {
        System.err.println("shoal: " + ex.getMessage() + " (give the API token with --token-file FILE or SHOAL_TOKEN)");
        return ExitCodes.USAGE;
      }
      if (ex instanceof CoordinatorUnreachableException) {
        System.err.println("shoal: " + ex.getMessage());
        return ExitCodes.INTERNAL;
      }
      if (System.getenv("SHOAL_DEBUG") != null) {
        ex.printStackTrace();
      }
      String msg = ex.getMessage() == null ? ex.toString() : ex.getMessage();
      System.err.println("shoal: error: " + msg);
      return ExitCodes.INTERNAL;
    });
    return cli.execute(args);
  }

  /** The plugins folder: the one given, else ./plugins when it exists, else none. */
  public static Path pluginsDir(Path given) {
    if (given != null) {
      if (!Files.isDirectory(given)) {
        throw new UsageException("--plugins '" + given + "' is not a folder");
      }
      return given;
    }
    Path here = Path.of("plugins");
    return Files.isDirectory(here) ? here : null;
  }
}
