package dev.shoal.api;

/**
 * An item (or a job's {@code args}) that does not fit the type a {@link TypedFunction} takes; it
 * becomes that item's error, of type {@code BindingException}, and the job goes on.
 */
public final class BindingException extends Exception {

  public BindingException(String message) {
    super(message);
  }
}
