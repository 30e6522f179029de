package dev.shoal.cli;

import dev.shoal.api.JobState;

/**
 * The CLI's exit codes, one table for {@code run}, {@code submit} and {@code results}: 0 the job
 * succeeded, 3 it completed with item errors, 2 a usage mistake (an unknown job id included), 1
 * anything else (the job failed or was cancelled, the coordinator cannot be reached). The other
 * client commands exit 0 when they could answer.
 */
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
