package dev.shoal.coordinator.http;

/**
 * A request the API answers with an error status and {@code {"error": message}}: the message names
 * the problem in the caller's terms. Carries no stack trace, as it is an answer, not a fault.
 */
final class ApiError extends RuntimeException {

  private static final long serialVersionUID = 1L;
  private final int status;

  ApiError(int status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  static ApiError badRequest(String message) {
    return new ApiError(400, message);
  }

  static ApiError notFound(String message) {
    return new ApiError(404, message);
  }

  int status() {
    return status;
  }
}
