package dev.shoal.coordinator.durable;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shoal.api.FunctionInfo;
import dev.shoal.api.JarInfo;
import dev.shoal.protocol.JarProtocol;
import dev.shoal.protocol.PluginJars;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The job jars, in the journal database beside the jobs that name them: one row per jar, keyed by
 * the SHA-256 of its bytes. In the database, not in a folder, so that a standby coordinator on
 * another machine serves the jars of the jobs it takes over, and one backup holds both.
 *
 * <p>Guarantees: a jar is stored only if it is a jar that lists at least one function (it is opened
 * in a class loader of its own and closed again, {@link PluginJars#describe}); uploading the same
 * bytes twice stores them once and answers the first upload's {@link JarInfo}; a row is committed
 * when {@link #put} returns. {@link #known} answers from memory what this process has stored, found
 * or listed, so the coordinator's actor can check a submission without I/O.
 *
 * <p>Caveats: every other method blocks on the database; describing a jar runs its functions'
 * constructors in this process (as Flink's JobManager does with a job jar): only holders of the
 * write token can upload one. A whole jar is held in memory while it is stored or read.
 */
public final class JarStore {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final JournalDatabase db;
  private final Map<String, JarInfo> index = new ConcurrentHashMap<>();

  /** What {@link #put} did: {@code added} is false when the same bytes were stored already. */
  public record Stored(JarInfo jar, boolean added) {}

  JarStore(JournalDatabase db) {
    this.db = db;
  }

  /** Why a job cannot name jar {@code sha256}: it is not stored here. */
  public static String noSuchJar(String sha256) {
    return "no jar " + sha256 + " here: upload it first (POST /jars, or shoal submit --jar FILE)";
  }

  /** Why a job cannot run {@code function} from {@code jar}: the jar does not list it. */
  public static String lacksFunction(JarInfo jar, String function) {
    return "jar " + jar.name() + " (" + jar.sha256() + ") has no function '" + function + "'; it has: " + jar.functionNames();
  }

  /**
   * Stores the jar {@code bytes}, uploaded as {@code name}; a jar already stored keeps its first name.
   *
   * @throws IllegalArgumentException if the bytes are not a jar that lists a function (the message says why)
   */
  public Stored put(String name, byte[] bytes) {
    String sha = JarProtocol.sha256Hex(bytes);
    Optional<JarInfo> stored = find(sha);
    if (stored.isPresent()) {
      return new Stored(stored.get(), false);
    }
    PluginJars.Described described = describe(sha, bytes);
    if (described.functions().isEmpty()) {
      throw new IllegalArgumentException("not a jar of Shoal functions: " + String.join("; ", described.problems()));
    }
    JarInfo info = new JarInfo(sha, safeName(name), bytes.length, System.currentTimeMillis(), described.functions());
    try (Connection c = db.connection();
        PreparedStatement st = c.prepareStatement(
            "INSERT INTO shoal_jars (sha256, name, size, uploaded_at, functions, payload) VALUES (?, ?, ?, ?, ?, ?)")) {
      st.setString(1, sha);
      st.setString(2, info.name());
      st.setLong(3, info.size());
      st.setLong(4, info.uploadedAt());
      st.setString(5, JSON.writeValueAsString(info.functions()));
      st.setBytes(6, bytes);
      st.executeUpdate();
    } catch (SQLException e) {
      // two uploads of one jar at once: the other one's row is as good as this one
      Optional<JarInfo> raced = find(sha);
      if (raced.isPresent()) {
        return new Stored(raced.get(), false);
      }
      throw ResultRows.failed("store jar " + sha, e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    index.put(sha, info);
    return new Stored(info, true);
  }

  /** The jar {@code sha256} as this process last saw it, without I/O. */
  public Optional<JarInfo> known(String sha256) {
    return Optional.ofNullable(index.get(sha256));
  }

  /** The jar {@code sha256}, read from the database (another coordinator may have stored it). */
  public Optional<JarInfo> find(String sha256) {
    List<JarInfo> found = query("SELECT sha256, name, size, uploaded_at, functions FROM shoal_jars WHERE sha256 = ?", sha256);
    if (found.isEmpty()) {
      index.remove(sha256);
      return Optional.empty();
    }
    return Optional.of(found.get(0));
  }

  /** Every jar, the newest upload first. */
  public List<JarInfo> list() {
    return query("SELECT sha256, name, size, uploaded_at, functions FROM shoal_jars ORDER BY uploaded_at DESC, sha256", null);
  }

  /** The bytes of jar {@code sha256}, if it is stored. */
  public Optional<byte[]> bytes(String sha256) {
    try (Connection c = db.connection();
        PreparedStatement st = c.prepareStatement("SELECT payload FROM shoal_jars WHERE sha256 = ?")) {
      st.setString(1, sha256);
      try (ResultSet rs = st.executeQuery()) {
        return rs.next() ? Optional.of(rs.getBytes(1)) : Optional.empty();
      }
    } catch (SQLException e) {
      throw ResultRows.failed("read jar " + sha256, e);
    }
  }

  /** Deletes jar {@code sha256}; false if there was none. */
  public boolean delete(String sha256) {
    index.remove(sha256);
    try (Connection c = db.connection(); PreparedStatement st = c.prepareStatement("DELETE FROM shoal_jars WHERE sha256 = ?")) {
      st.setString(1, sha256);
      return st.executeUpdate() > 0;
    } catch (SQLException e) {
      throw ResultRows.failed("delete jar " + sha256, e);
    }
  }

  private List<JarInfo> query(String sql, String sha) {
    List<JarInfo> out = new ArrayList<>();
    try (Connection c = db.connection(); PreparedStatement st = c.prepareStatement(sql)) {
      if (sha != null) {
        st.setString(1, sha);
      }
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          List<FunctionInfo> functions = JSON.readValue(rs.getString(5), new TypeReference<List<FunctionInfo>>() {});
          JarInfo info = new JarInfo(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4), functions);
          index.put(info.sha256(), info);
          out.add(info);
        }
      }
    } catch (SQLException e) {
      throw ResultRows.failed("read the job jars", e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  private static PluginJars.Described describe(String sha, byte[] bytes) {
    Path tmp = null;
    try {
      tmp = Files.createTempFile("shoal-jar-" + sha.substring(0, 12) + "-", ".jar");
      Files.write(tmp, bytes);
      return PluginJars.describe(tmp);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot look into the jar: " + e.getMessage(), e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException e) {
          // a temporary file left behind; the jar is stored or refused all the same
        }
      }
    }
  }

  /** A file name for people: no folders, no control characters, at most 255 characters. */
  static String safeName(String name) {
    String n = name == null ? "" : name.replace('\\', '/');
    n = n.substring(n.lastIndexOf('/') + 1).replaceAll("\\p{Cntrl}", "").strip();
    if (n.isEmpty()) {
      n = "job.jar";
    }
    return n.length() > 255 ? n.substring(0, 255) : n;
  }
}
