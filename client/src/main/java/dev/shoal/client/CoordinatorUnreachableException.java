package dev.shoal.client;

import java.io.IOException;
import java.io.UncheckedIOException;

/** The coordinator's HTTP API could not be reached (nothing listening, no route, no answer in time). */
public final class CoordinatorUnreachableException extends UncheckedIOException {

  private static final long serialVersionUID = 1L;

  public CoordinatorUnreachableException(String url, String why, IOException cause) {
    super("cannot reach the coordinator at " + url + ": " + why, cause);
  }
}
