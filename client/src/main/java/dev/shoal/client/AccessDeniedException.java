package dev.shoal.client;

/** The coordinator refused the request's API token (HTTP 401) or its rights (403, a read-only token). */
public final class AccessDeniedException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public AccessDeniedException(String message) {
    super(message);
  }
}
