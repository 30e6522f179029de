package dev.shoal.coordinator.durable;

import java.io.UncheckedIOException;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The results of durable jobs as rows in the journal database, one row per write of a job's sink
 * (one or several chunks), keyed by the job and the row's first line in the job's results stream.
 * Used with PostgreSQL, so that a coordinator on another machine reads them after a failover, and
 * with the in-memory database of a local pool; the embedded H2 journal keeps them in {@link
 * ResultFiles} instead.
 *
 * <p>Guarantees: a row is committed when {@link #append} returns; the lines of a job's rows are
 * contiguous from line 0 (the sink appends in order). Which rows count is the job's {@link JobLedger}'s
 * decision: rows past the lines it recorded are removed by {@link #truncate} when the job recovers.
 *
 * <p>Caveat: every call blocks on the database: call it from the blocking-I/O executor.
 */
public final class ResultRows implements ResultStore {

  /** {@link #read}'s statement: job, job, fromLine, toLine, maxRows. */
  static final String READ = "SELECT first_line, line_count, payload FROM shoal_results WHERE job_id = ? AND first_line >= "
      + "COALESCE((SELECT first_line FROM shoal_results WHERE job_id = ? AND first_line <= ? "
      + "ORDER BY job_id DESC, first_line DESC LIMIT 1), 0) "
      + "AND first_line < ? ORDER BY job_id, first_line LIMIT ?";

  private final JournalDatabase db;

  public ResultRows(JournalDatabase db) {
    this.db = db;
  }

  @Override
  public void append(String jobId, long firstLine, int lines, byte[] payload) {
    try (Connection c = db.connection();
        PreparedStatement st = c.prepareStatement(
            "INSERT INTO shoal_results (job_id, first_line, line_count, payload) VALUES (?, ?, ?, ?)")) {
      st.setString(1, jobId);
      st.setLong(2, firstLine);
      st.setInt(3, lines);
      st.setBytes(4, payload);
      st.executeUpdate();
    } catch (SQLException e) {
      throw failed("store the results of job " + jobId, e);
    }
  }

  /**
   * The rows holding lines {@code fromLine} onwards and before {@code toLine}, in order, at most
   * {@code maxRows}; the first may begin before {@code fromLine}.
   *
   * <p>Both bounds are seeks on the primary key, from the last row that begins at or before {@code
   * fromLine}: a reader costs an index lookup per read, however many rows the job has (a bound on
   * {@code first_line + line_count} scanned every earlier row, and a job of 100,000 one-item chunks
   * read its results in quadratic time). Both orders name the whole key: H2 answers {@code MAX} or an
   * order on {@code first_line} alone by scanning the job's rows (its {@code EXPLAIN ANALYZE} counted
   * 99,002 rows scanned for one read of a 100,000-row job), and the whole key's order by walking the
   * index from the seek, one row or {@code maxRows}. The limit is in the statement, not {@code setMaxRows}: H2
   * otherwise builds the whole result, and it keeps each BLOB it hands out referenced for its {@code
   * LOB_TIMEOUT}, so such scans filled a coordinator's heap with the references.
   */
  @Override
  public List<Row> read(String jobId, long fromLine, long toLine, int maxRows) {
    List<Row> rows = new ArrayList<>();
    try (Connection c = db.connection();
        PreparedStatement st = c.prepareStatement(READ)) {
      st.setString(1, jobId);
      st.setString(2, jobId);
      st.setLong(3, fromLine);
      st.setLong(4, toLine);
      st.setInt(5, maxRows);
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          rows.add(new Row(rs.getLong(1), rs.getInt(2), rs.getBytes(3)));
        }
      }
    } catch (SQLException e) {
      throw failed("read the results of job " + jobId, e);
    }
    return rows;
  }

  @Override
  public void truncate(String jobId, long fromLine) {
    update("DELETE FROM shoal_results WHERE job_id = ? AND first_line >= ?", jobId, fromLine);
  }

  @Override
  public void forget(String jobId) {
    update("DELETE FROM shoal_results WHERE job_id = ? AND first_line >= ?", jobId, 0L);
  }

  /** Whether the job has rows: a job begun by a coordinator that kept its results in the database. */
  boolean has(String jobId) {
    try (Connection c = db.connection();
        PreparedStatement st = c.prepareStatement("SELECT 1 FROM shoal_results WHERE job_id = ? LIMIT 1")) {
      st.setString(1, jobId);
      try (ResultSet rs = st.executeQuery()) {
        return rs.next();
      }
    } catch (SQLException e) {
      throw failed("read the results of job " + jobId, e);
    }
  }

  /** Removes the journal entries and snapshots of these ledgers, on {@code c} (the caller commits): their jobs fell out of the history. */
  void forgetJournals(Connection c, List<String> persistenceIds) throws SQLException {
    String journal = db.dialect() == JournalDatabase.Dialect.H2 ? "\"event_journal\"" : "event_journal";
    String snapshot = db.dialect() == JournalDatabase.Dialect.H2 ? "\"snapshot\"" : "snapshot";
    String pid = db.dialect() == JournalDatabase.Dialect.H2 ? "\"persistence_id\"" : "persistence_id";
    for (String table : List.of(journal, snapshot)) {
      deleteEach(c, "DELETE FROM " + table + " WHERE " + pid + " = ?", persistenceIds);
    }
  }

  /** Runs {@code sql}, of one parameter, for each key, as one batch on {@code c}. */
  static void deleteEach(Connection c, String sql, List<String> keys) throws SQLException {
    if (keys.isEmpty()) {
      return;
    }
    try (PreparedStatement st = c.prepareStatement(sql)) {
      for (String key : keys) {
        st.setString(1, key);
        st.addBatch();
      }
      st.executeBatch();
    }
  }

  private void update(String sql, String key, long n) {
    try (Connection c = db.connection(); PreparedStatement st = c.prepareStatement(sql)) {
      st.setString(1, key);
      st.setLong(2, n);
      st.executeUpdate();
    } catch (SQLException e) {
      throw failed("update the journal for " + key, e);
    }
  }

  static UncheckedIOException failed(String what, SQLException e) {
    return new UncheckedIOException(new IOException("cannot " + what + ": " + JournalDatabase.reason(e), e));
  }
}
