package dev.shoal.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code shoal token create}: a new random API token in a file, for a coordinator's {@code --token-file}. */
@Command(name = "token", mixinStandardHelpOptions = true, description = "Make an API token file.",
    subcommands = {TokenCommand.Create.class})
public final class TokenCommand implements Callable<Integer> {

  @Override
  public Integer call() {
    throw new UsageException("give what to do: 'shoal token create --out FILE'");
  }

  @Command(name = "create", mixinStandardHelpOptions = true, description = "Write a new random API token to a new file.")
  static final class Create implements Callable<Integer> {

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "the new file (owner-only)")
    Path out;

    @Override
    public Integer call() {
      if (Files.exists(out)) {
        throw new UsageException("the token file " + out + " already exists; nothing was overwritten");
      }
      DataDir.tokenOrCreate(out);
      System.out.println("API token in " + out + " (coordinator: --token-file " + out + "; clients: --token-file " + out
          + " or SHOAL_TOKEN)");
      return ExitCodes.OK;
    }
  }
}
