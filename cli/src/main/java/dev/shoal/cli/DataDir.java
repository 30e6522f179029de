package dev.shoal.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;

/**
 * A node's data folder ({@code --data-dir}, {@code SHOAL_DATA_DIR}, default {@code ~/.shoal}): where
 * a coordinator keeps the API token it generated and the cluster's certificates, and where a client
 * on the same machine finds them.
 *
 * <p>Guarantees: secrets are created with owner-only permissions (on POSIX file systems) and
 * atomically, so two processes starting at once agree on one token.
 */
public final class DataDir {

  /** The API token a coordinator generates and clients on its machine read. */
  public static final String TOKEN_FILE = "api-token";

  private DataDir() {}

  /** The folder given, else {@code $SHOAL_DATA_DIR}, else {@code ~/.shoal}. */
  public static Path resolve(Path given) {
    if (given != null && !given.toString().isBlank()) {
      return given;
    }
    String env = System.getenv("SHOAL_DATA_DIR");
    if (env != null && !env.isBlank()) {
      return Path.of(env);
    }
    return Path.of(System.getProperty("user.home"), ".shoal");
  }

  /**
   * The API token the user gave: the one in {@code tokenFile} (a blank path counts as none), else
   * {@code $SHOAL_TOKEN}; empty when neither is set. Coordinator and clients read it the same way.
   */
  public static Optional<String> givenToken(Path tokenFile) {
    if (tokenFile != null && !tokenFile.toString().isBlank()) {
      return Optional.of(readToken(tokenFile));
    }
    String env = System.getenv("SHOAL_TOKEN");
    return env == null || env.isBlank() ? Optional.empty() : Optional.of(env.strip());
  }

  /** The token in {@code file}: its first line, trimmed; a usage error naming the file if it is unreadable or empty. */
  public static String readToken(Path file) {
    String token;
    try {
      token = Files.readString(file, StandardCharsets.UTF_8).lines().findFirst().orElse("").strip();
    } catch (IOException e) {
      throw new UsageException("cannot read the token file " + file + ": " + e.getMessage());
    }
    if (token.isEmpty()) {
      throw new UsageException("the token file " + file + " is empty");
    }
    return token;
  }

  /** The token in {@code file}, made (32 random bytes, base64url) if the file does not exist yet. */
  public static String tokenOrCreate(Path file) {
    if (!Files.exists(file)) {
      byte[] random = new byte[32];
      new SecureRandom().nextBytes(random);
      try {
        writeSecret(file, Base64.getUrlEncoder().withoutPadding().encodeToString(random) + "\n");
      } catch (FileAlreadyExistsException raced) {
        // another process made it first: use theirs
      } catch (IOException e) {
        throw new UncheckedIOException("cannot write the API token to " + file, e);
      }
    }
    return readToken(file);
  }

  /** Writes a new file readable by its owner only; fails if it exists. */
  public static void writeSecret(Path file, String content) throws IOException {
    writeSecret(file, content.getBytes(StandardCharsets.UTF_8));
  }

  public static void writeSecret(Path file, byte[] content) throws IOException {
    Files.createDirectories(file.toAbsolutePath().getParent());
    try {
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException notPosix) {
      Files.createFile(file);
    }
    Files.write(file, content, StandardOpenOption.TRUNCATE_EXISTING);
  }
}
