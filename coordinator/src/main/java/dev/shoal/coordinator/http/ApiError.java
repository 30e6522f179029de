package dev.shoal.coordinator.http;

/**
 * A request the API answers with an error status and {@code {"error": message}}: the message names
 * the problem in the caller's terms. Carries no stack trace, as it is an answer, not a fault.
 */
final class ApiError extends RuntimeException {

  private static final long serialVersionUID = 1L;
  private final int status;
  private final long retryAfterSeconds;

  ApiError(int status, String message) {
    this(status, message, 0);
  }

  private ApiError(int status, String message, long retryAfterSeconds) {
    super(message, null, false, false);
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  static ApiError badRequest(String message) {
    return new ApiError(400, message);
  }

  static ApiError notFound(String message) {
    return new ApiError(404, message);
  }

  /** The request clashes with the job's state: a second upload, or items for a job that takes none. */
  static ApiError conflict(String message) {
    return new ApiError(409, message, 0);
  }

  /** The coordinator cannot store what the request brings (a full or unwritable disk). */
  static ApiError insufficientStorage(String message) {
    return new ApiError(507, message, 0);
  }

  /** 429: the request was fine, the coordinator is too busy for it; try again in {@code retryAfterSeconds}. */
  static ApiError tooManyRequests(String message, long retryAfterSeconds) {
    return new ApiError(429, message, Math.max(1, retryAfterSeconds));
  }

  /** Seconds for a {@code Retry-After} header, 0 for none. */
  long retryAfterSeconds() {
    return retryAfterSeconds;
  }

  int status() {
    return status;
  }
}
