package dev.shoal.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The {@code shoal} command as a user runs it: a JVM of its own from the packaged jar. */
final class ShoalCommand {

  /** How a run ended: its exit code, its standard output and its standard error. */
  record Ran(int code, String out, String err) {}

  private ShoalCommand() {}

  /**
   * Runs {@code shoal args...} with no {@code SHOAL_*} variable of the developer's shell (no ~/.shoal
   * of theirs either): {@code SHOAL_DATA_DIR} is {@code dataDir}, where the client finds the API token
   * as on the coordinator's machine. Its output goes to files in {@code work}; it must end within
   * three minutes.
   */
  static Ran run(Path work, Path dataDir, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1", "-jar", System.getProperty("shoal.jar")));
    cmd.addAll(List.of(args));
    Files.createDirectories(work);
    Path out = Files.createTempFile(work, "cli", ".out");
    Path err = Files.createTempFile(work, "cli", ".err");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("SHOAL_"));
    pb.environment().put("SHOAL_DATA_DIR", dataDir.toString());
    Process p = pb.start();
    if (!p.waitFor(3, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("shoal " + String.join(" ", args) + " did not end:\n" + Files.readString(err));
    }
    return new Ran(p.exitValue(), Files.readString(out), Files.readString(err));
  }
}
