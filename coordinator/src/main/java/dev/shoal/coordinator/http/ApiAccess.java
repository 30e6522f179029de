package dev.shoal.coordinator.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/**
 * Who may use the HTTP API: a request carries {@code Authorization: Bearer <token>} with the API
 * token (every route) or the read-only token (only {@code GET}s). The token goes in the header
 * only: a token in the query string would end up in logs and browser histories, so none is read
 * from there.
 *
 * <p>Guarantees: tokens are compared in constant time (as SHA-256 digests, so their lengths leak
 * nothing either); no token is kept in a form that prints ({@link #toString} names none).
 *
 * <p>Caveats: a bearer token is only as private as the connection: over plain HTTP beyond loopback
 * serve the API with HTTPS.
 */
public final class ApiAccess {

  /** The answer for one request. */
  public enum Decision {
    ALLOWED("allowed"),
    MISSING("this API needs an Authorization: Bearer <token> header"),
    MALFORMED("the Authorization header must be 'Bearer <token>'"),
    WRONG("the API token is not valid"),
    READ_ONLY("the read-only token may only read (GET); submitting and cancelling need the API token");

    private final String message;

    Decision(String message) {
      this.message = message;
    }

    public String message() {
      return message;
    }
  }

  private static final String BEARER = "bearer ";

  private final byte[] full;
  private final byte[] readOnly;

  private ApiAccess(byte[] full, byte[] readOnly) {
    this.full = full;
    this.readOnly = readOnly;
  }

  /** Every request allowed: for loopback development only ({@code --no-auth}). */
  public static ApiAccess open() {
    return new ApiAccess(null, null);
  }

  /** Requests need {@code token}, or {@code readOnlyToken} (may be null) for reading. */
  public static ApiAccess tokens(String token, String readOnlyToken) {
    if (token == null || token.isBlank()) {
      throw new IllegalArgumentException("the API token is empty");
    }
    if (readOnlyToken != null && readOnlyToken.strip().equals(token.strip())) {
      throw new IllegalArgumentException("the read-only token must differ from the API token");
    }
    return new ApiAccess(digest(token.strip()), readOnlyToken == null || readOnlyToken.isBlank() ? null
        : digest(readOnlyToken.strip()));
  }

  public boolean isOpen() {
    return full == null;
  }

  /** Whether a request with this {@code Authorization} header may go on; {@code write} for POST, DELETE. */
  public Decision check(Optional<String> authorization, boolean write) {
    if (full == null) {
      return Decision.ALLOWED;
    }
    if (authorization.isEmpty() || authorization.get().isBlank()) {
      return Decision.MISSING;
    }
    String header = authorization.get().strip();
    if (header.length() <= BEARER.length() || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      return Decision.MALFORMED;
    }
    byte[] given = digest(header.substring(BEARER.length()).strip());
    // both comparisons always run, so timing does not tell which token was near
    boolean isFull = MessageDigest.isEqual(given, full);
    boolean isReadOnly = readOnly != null && MessageDigest.isEqual(given, readOnly);
    if (isFull) {
      return Decision.ALLOWED;
    }
    if (isReadOnly) {
      return write ? Decision.READ_ONLY : Decision.ALLOWED;
    }
    return Decision.WRONG;
  }

  @Override
  public String toString() {
    return full == null ? "ApiAccess[open]" : "ApiAccess[token" + (readOnly == null ? "" : " and read-only token") + "]";
  }

  private static byte[] digest(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JVM", e);
    }
  }
}
