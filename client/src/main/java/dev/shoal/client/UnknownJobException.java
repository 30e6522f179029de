package dev.shoal.client;

/** The coordinator does not know the job (a mistyped id, or a job that fell out of its history). */
public final class UnknownJobException extends IllegalStateException {

  private static final long serialVersionUID = 1L;

  public UnknownJobException(String message) {
    super(message);
  }
}
