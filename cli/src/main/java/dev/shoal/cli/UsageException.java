package dev.shoal.cli;

/** A mistake in what the user asked for: one line on stderr and exit code 2, never a stack trace. */
public final class UsageException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public UsageException(String message) {
    super(message);
  }
}
