package dev.shoal.api;

import java.util.List;

/**
 * A job jar as the coordinator keeps it: uploaded once, named by the SHA-256 of its bytes, run by any
 * job that names it ({@link JobRequest#jar()}) on workers that never had it installed.
 *
 * @param sha256 the SHA-256 of the jar's bytes, 64 lower-case hex digits: its identity
 * @param name the file name it was uploaded under, for people (two uploads of one file share a hash)
 * @param size its length in bytes
 * @param uploadedAt when it was first uploaded, epoch milliseconds
 * @param functions the functions it lists in {@code META-INF/services/dev.shoal.api.ShoalFunction}
 */
public record JarInfo(String sha256, String name, long size, long uploadedAt, List<FunctionInfo> functions) {

  public JarInfo {
    functions = functions == null ? List.of() : List.copyOf(functions);
  }

  private static final java.util.regex.Pattern SHA256 = java.util.regex.Pattern.compile("[0-9a-f]{64}");

  /** Whether {@code text} is a jar's name as Shoal writes it: 64 lower-case hex digits (lower-case what a user typed first). */
  public static boolean isSha256(String text) {
    return text != null && SHA256.matcher(text).matches();
  }

  /** The function of this jar named {@code name}, if it lists one. */
  public java.util.Optional<FunctionInfo> function(String name) {
    return functions.stream().filter(f -> f.name().equals(name)).findFirst();
  }

  /** The names of its functions, comma-separated, for messages. */
  public String functionNames() {
    return String.join(", ", functions.stream().map(FunctionInfo::name).toList());
  }
}
