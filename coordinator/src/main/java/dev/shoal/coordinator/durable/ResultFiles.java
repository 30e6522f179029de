package dev.shoal.coordinator.durable;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The results of the jobs of an embedded H2 journal: one file per job in the data folder's {@code
 * results} folder, its rows appended one after another, each a {@value #HEADER}-byte header (first
 * line, line count, payload length) and the payload. Files, not rows of the journal: the journal
 * commits with {@code WRITE_DELAY=0}, which stores a page of the database in the committing thread,
 * and a 1 M-item square job spent 140–260 ms of its sink's time storing its 8 MB of results so (a
 * plain write of the same bytes takes a few). The ledger, in the journal, still says which rows
 * count, so a row is written before it is recorded, and what recovery keeps is what was recorded.
 *
 * <p>Guarantees: a row is in the file, through the operating system's page cache, when {@link
 * #append} returns, so a {@code kill -9} of the coordinator loses none (as the journal's own
 * commits, which are not synced either). A torn last row, of a coordinator killed while writing, is
 * never read: the index stops at the last whole row, and the job's recovery cuts the file at the
 * last recorded one. Readers and the one writer of a job run concurrently; a reader sees only whole
 * rows. A job begun by a coordinator that kept its results as rows of the journal is read, and
 * continued, there.
 *
 * <p>Caveats: the rows' positions are indexed in memory, 24 bytes a row, for the jobs being written
 * and the {@value #INDEXED} last read; an index is rebuilt by one read of the file's headers. A power
 * failure may lose what the page cache had not written, as it may the journal's commits.
 */
public final class ResultFiles implements ResultStore {

  static final int HEADER = 16;
  static final int INDEXED = 64;

  private final Path folder;
  private final ResultRows rows;
  private final Map<String, Boolean> inRows = new ConcurrentHashMap<>();
  private final Map<String, JobFile> files = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, JobFile> eldest) {
      return size() > INDEXED && !eldest.getValue().writing();
    }
  };

  /** Files in {@code folder}; the rows of jobs begun before results were files are read in {@code rows}. */
  public ResultFiles(Path folder, ResultRows rows) {
    this.folder = folder;
    this.rows = rows;
  }

  @Override
  public void append(String jobId, long firstLine, int lines, byte[] payload) {
    if (isInRows(jobId)) {
      rows.append(jobId, firstLine, lines, payload);
      return;
    }
    JobFile f = file(jobId);
    try {
      f.append(firstLine, lines, payload);
    } catch (IOException e) {
      throw failed("store the results of job " + jobId, f.path, e);
    }
  }

  @Override
  public List<Row> read(String jobId, long fromLine, long toLine, int maxRows) {
    if (isInRows(jobId)) {
      return rows.read(jobId, fromLine, toLine, maxRows);
    }
    JobFile f = file(jobId);
    try {
      return f.read(fromLine, toLine, maxRows);
    } catch (IOException e) {
      throw failed("read the results of job " + jobId, f.path, e);
    }
  }

  @Override
  public void truncate(String jobId, long fromLine) {
    if (isInRows(jobId)) {
      rows.truncate(jobId, fromLine);
      return;
    }
    JobFile f = file(jobId);
    try {
      f.truncate(fromLine);
    } catch (IOException e) {
      throw failed("cut the results of job " + jobId, f.path, e);
    }
  }

  @Override
  public void ended(String jobId) {
    JobFile f;
    synchronized (files) {
      f = files.get(jobId);
    }
    if (f != null) {
      f.closeWriter();
    }
  }

  @Override
  public void forget(String jobId) {
    // asked, not only looked up: a job that fell out of the history is seldom one this process touched
    boolean legacy = isInRows(jobId);
    inRows.remove(jobId);
    if (legacy) {
      rows.forget(jobId);
      return;
    }
    JobFile f;
    synchronized (files) {
      f = files.remove(jobId);
    }
    if (f != null) {
      f.closeWriter();
    }
    Path path = pathOf(jobId);
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      throw failed("delete the results of job " + jobId, path, e);
    }
  }

  /** The file a job's results are in. */
  Path pathOf(String jobId) {
    return folder.resolve(fileName(jobId));
  }

  static String fileName(String jobId) {
    if (jobId.matches("[A-Za-z0-9_-]{1,64}")) {
      return jobId + ".results";
    }
    try {
      byte[] sha = MessageDigest.getInstance("SHA-256").digest(jobId.getBytes(StandardCharsets.UTF_8));
      return "sha256-" + HexFormat.of().formatHex(sha) + ".results";
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private boolean isInRows(String jobId) {
    // decided once per job: a file, or none and no rows, is a job of files
    return inRows.computeIfAbsent(jobId, id -> !Files.exists(pathOf(id)) && rows.has(id));
  }

  private JobFile file(String jobId) {
    synchronized (files) {
      return files.computeIfAbsent(jobId, id -> new JobFile(pathOf(id)));
    }
  }

  private static UncheckedIOException failed(String what, Path path, IOException e) {
    String reason = e instanceof NoSuchFileException ? "no such file" : e.getMessage();
    return new UncheckedIOException(new IOException("cannot " + what + " (" + path + "): " + reason, e));
  }

  /** One job's file and the index of its whole rows; its methods hold its lock for the index only. */
  private static final class JobFile {

    final Path path;
    private long[] first = new long[8];
    private long[] offset = new long[8];
    private int[] count = new int[8];
    private int[] length = new int[8];
    private int size;
    private long end;
    private boolean loaded;
    private FileChannel writer;

    JobFile(Path path) {
      this.path = path;
    }

    synchronized boolean writing() {
      return writer != null;
    }

    void append(long firstLine, int lines, byte[] payload) throws IOException {
      FileChannel w;
      long at;
      synchronized (this) {
        load();
        long next = size == 0 ? 0 : first[size - 1] + count[size - 1];
        if (firstLine != next) {
          throw new IOException("a row beginning at line " + firstLine + " after the rows up to line " + next);
        }
        if (writer == null) {
          writer = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          // a torn row past the whole ones, of a coordinator killed while writing, is overwritten whole
          writer.truncate(end);
        }
        w = writer;
        at = end;
      }
      ByteBuffer header = ByteBuffer.allocate(HEADER).putLong(firstLine).putInt(lines).putInt(payload.length).flip();
      ByteBuffer body = ByteBuffer.wrap(payload);
      long pos = at;
      while (header.hasRemaining()) {
        pos += w.write(header, pos);
      }
      while (body.hasRemaining()) {
        pos += w.write(body, pos);
      }
      synchronized (this) {
        add(firstLine, lines, at, payload.length);
        end = pos;
      }
    }

    List<Row> read(long fromLine, long toLine, int maxRows) throws IOException {
      int from;
      int to;
      long[] at;
      long[] firsts;
      int[] counts;
      int[] lengths;
      synchronized (this) {
        load();
        int k = Arrays.binarySearch(first, 0, size, fromLine);
        from = k >= 0 ? k : Math.max(0, -k - 2);
        to = from;
        while (to < size && to - from < maxRows && first[to] < toLine) {
          to++;
        }
        at = Arrays.copyOfRange(offset, from, to);
        firsts = Arrays.copyOfRange(first, from, to);
        counts = Arrays.copyOfRange(count, from, to);
        lengths = Arrays.copyOfRange(length, from, to);
      }
      List<Row> out = new ArrayList<>(to - from);
      if (to == from) {
        return out;
      }
      try (FileChannel r = FileChannel.open(path, StandardOpenOption.READ)) {
        for (int i = 0; i < at.length; i++) {
          ByteBuffer b = ByteBuffer.allocate(lengths[i]);
          long pos = at[i] + HEADER;
          while (b.hasRemaining()) {
            int n = r.read(b, pos);
            if (n < 0) {
              throw new EOFException("the file ends inside the row of line " + firsts[i]);
            }
            pos += n;
          }
          out.add(new Row(firsts[i], counts[i], b.array()));
        }
      }
      return out;
    }

    synchronized void truncate(long fromLine) throws IOException {
      load();
      int k = 0;
      while (k < size && first[k] < fromLine) {
        k++;
      }
      long cut = k < size ? offset[k] : end;
      size = k;
      end = cut;
      if (writer != null) {
        writer.truncate(cut);
      } else if (Files.exists(path)) {
        try (FileChannel c = FileChannel.open(path, StandardOpenOption.WRITE)) {
          c.truncate(cut);
        }
      }
    }

    synchronized void closeWriter() {
      if (writer != null) {
        try {
          writer.close();
        } catch (IOException ignored) {
          // nothing is lost: every row was written before the close
        }
        writer = null;
      }
    }

    /** Reads the headers of the file's whole rows, once. */
    private void load() throws IOException {
      if (loaded) {
        return;
      }
      if (Files.exists(path)) {
        long fileSize = Files.size(path);
        try (InputStream in = Files.newInputStream(path);
            DataInputStream data = new DataInputStream(new BufferedInputStream(in, HEADER * 64))) {
          long pos = 0;
          long next = 0;
          while (pos + HEADER <= fileSize) {
            long firstLine = data.readLong();
            int lines = data.readInt();
            int bytes = data.readInt();
            if (firstLine != next || lines < 0 || bytes < 0 || pos + HEADER + bytes > fileSize) {
              break;
            }
            data.skipNBytes(bytes);
            add(firstLine, lines, pos, bytes);
            pos += HEADER + bytes;
            next = firstLine + lines;
          }
          end = pos;
        }
      }
      loaded = true;
    }

    private void add(long firstLine, int lines, long at, int bytes) {
      if (size == first.length) {
        int n = size * 2;
        first = Arrays.copyOf(first, n);
        offset = Arrays.copyOf(offset, n);
        count = Arrays.copyOf(count, n);
        length = Arrays.copyOf(length, n);
      }
      first[size] = firstLine;
      offset[size] = at;
      count[size] = lines;
      length[size] = bytes;
      size++;
    }
  }
}
