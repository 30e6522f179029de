package dev.shoal.coordinator.durable;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/**
 * The items of durable jobs, as JSON Lines in blocks of at most {@value #BLOCK} bytes in the journal
 * database, so that a job recovered on any coordinator reads them again. A block ends at a line's
 * end, so no line is ever split across two.
 *
 * <p>Guarantees: once {@link Writer#finish} returns, every line given is committed; {@link #open}
 * streams them back a block at a time (memory: one block).
 *
 * <p>Caveat: blocking; call it from the blocking-I/O executor.
 */
public final class ItemStore {

  static final int BLOCK = 1 << 20;

  private final JournalDatabase db;

  public ItemStore(JournalDatabase db) {
    this.db = db;
  }

  /** Starts storing the items under {@code key}. */
  public Writer writer(String key) {
    return new Writer(key);
  }

  /** The items stored under {@code key}, as the bytes of their lines. */
  public InputStream open(String key) {
    return new BlockStream(key);
  }

  /** Deletes these items on {@code c}; the caller commits. */
  void delete(Connection c, List<String> keys) throws SQLException {
    ResultRows.deleteEach(c, "DELETE FROM shoal_items WHERE items_key = ?", keys);
  }

  public void delete(String key) {
    try (Connection c = db.connection()) {
      delete(c, List.of(key));
    } catch (SQLException e) {
      throw ResultRows.failed("delete the items " + key, e);
    }
  }

  /** Collects lines into blocks; each full block is committed as it fills. */
  public final class Writer {
    private final String key;
    private final ByteArrayOutputStream block = new ByteArrayOutputStream(BLOCK);
    private int blocks;
    private long lines;

    private Writer(String key) {
      this.key = key;
    }

    /** One item's JSON; it must hold no newline (compact JSON never does). */
    public void line(byte[] json) {
      if (block.size() > 0 && block.size() + json.length + 1 > BLOCK) {
        flush();
      }
      block.writeBytes(json);
      block.write('\n');
      lines++;
    }

    public long lines() {
      return lines;
    }

    public String key() {
      return key;
    }

    public void finish() {
      if (block.size() > 0) {
        flush();
      }
    }

    private void flush() {
      try (Connection c = db.connection();
          PreparedStatement st = c.prepareStatement("INSERT INTO shoal_items (items_key, block, payload) VALUES (?, ?, ?)")) {
        st.setString(1, key);
        st.setInt(2, blocks);
        st.setBytes(3, block.toByteArray());
        st.executeUpdate();
      } catch (SQLException e) {
        throw ResultRows.failed("store the items of a job", e);
      }
      blocks++;
      block.reset();
    }
  }

  private final class BlockStream extends InputStream {
    private final String key;
    private int nextBlock;
    private byte[] current = new byte[0];
    private int pos;
    private boolean ended;

    BlockStream(String key) {
      this.key = key;
    }

    @Override
    public int read() throws IOException {
      if (!fill()) {
        return -1;
      }
      return current[pos++] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (!fill()) {
        return -1;
      }
      int n = Math.min(len, current.length - pos);
      System.arraycopy(current, pos, b, off, n);
      pos += n;
      return n;
    }

    @Override
    public int available() {
      // a block in hand is there without waiting; LinesSource hands on a batch when this says 0
      return ended ? 0 : Math.max(1, current.length - pos);
    }

    private boolean fill() throws IOException {
      while (pos >= current.length) {
        if (ended) {
          return false;
        }
        try (Connection c = db.connection();
            PreparedStatement st = c.prepareStatement("SELECT payload FROM shoal_items WHERE items_key = ? AND block = ?")) {
          st.setString(1, key);
          st.setInt(2, nextBlock);
          try (ResultSet rs = st.executeQuery()) {
            if (!rs.next()) {
              ended = true;
              return false;
            }
            current = rs.getBytes(1);
            pos = 0;
            nextBlock++;
          }
        } catch (SQLException e) {
          throw new IOException("cannot read the stored items: " + JournalDatabase.reason(e), e);
        }
      }
      return true;
    }
  }
}
