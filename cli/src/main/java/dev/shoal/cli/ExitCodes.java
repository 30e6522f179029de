package dev.shoal.cli;

import dev.shoal.coordinator.job.JobState;

/** The CLI's exit codes, one table for {@code run} and {@code submit}. */
public final class ExitCodes {

  public static final int OK = 0;
  public static final int INTERNAL = 1;
  public static final int USAGE = 2;
  public static final int ITEM_ERRORS = 3;

  private ExitCodes() {}

  public static int of(JobState state) {
    return switch (state) {
      case SUCCEEDED -> OK;
      case COMPLETED_WITH_ERRORS -> ITEM_ERRORS;
      default -> INTERNAL;
    };
  }
}
