package dev.shoal.api;

/** A job's life: QUEUED until its first chunk is handed out, RUNNING, then one of the final states. */
public enum JobState {
  QUEUED,
  RUNNING,
  SUCCEEDED,
  COMPLETED_WITH_ERRORS,
  FAILED,
  CANCELLED;

  public boolean isFinal() {
    return this != QUEUED && this != RUNNING;
  }
}
