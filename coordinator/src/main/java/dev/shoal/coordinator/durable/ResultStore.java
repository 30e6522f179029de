package dev.shoal.coordinator.durable;

import java.util.List;

/**
 * Where a durable job's results are kept: batches of {@link dev.shoal.api.ResultFrames} ("rows"),
 * appended in order by the job's sink and read by the clients that follow the job. {@link
 * ResultRows} keeps them in the journal database (PostgreSQL, so that a coordinator on another
 * machine reads them after a failover; the in-memory database of a local pool); {@link ResultFiles}
 * in a file per job beside the embedded H2 journal.
 *
 * <p>Guarantees of every implementation: a row is stored when {@link #append} returns and survives a
 * {@code kill -9} of the coordinator from then on; the lines of a job's rows are contiguous from line
 * 0. Which rows count is the job's {@link JobLedger}'s decision: rows past the lines it recorded are
 * removed by {@link #truncate} when the job recovers.
 *
 * <p>Caveat: every call blocks on a disk or a database: call it from the blocking-I/O executor.
 */
public interface ResultStore {

  /** One row: {@code lines} result lines beginning at line {@code firstLine}. */
  record Row(long firstLine, int lines, byte[] payload) {}

  void append(String jobId, long firstLine, int lines, byte[] payload);

  /**
   * The rows holding lines {@code fromLine} onwards and before {@code toLine}, in order, at most
   * {@code maxRows}; the first may begin before {@code fromLine}.
   */
  List<Row> read(String jobId, long fromLine, long toLine, int maxRows);

  /** Removes the rows from line {@code fromLine} on: written, but the job's ledger never recorded them. */
  void truncate(String jobId, long fromLine);

  /** The job's sink has ended: nothing more is appended (what it holds open for appends is let go). */
  default void ended(String jobId) {}

  /** Removes a job's results: it fell out of the history. */
  void forget(String jobId);
}
