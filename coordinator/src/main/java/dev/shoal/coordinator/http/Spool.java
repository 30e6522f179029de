package dev.shoal.coordinator.http;

import dev.shoal.coordinator.job.ResultSink;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongConsumer;

/**
 * The results files of the jobs submitted over HTTP, one {@link SpoolFile} per job in one folder.
 *
 * <p>Guarantee: the files of the last {@code history} finished jobs are kept (the coordinator
 * remembers as many); older ones are deleted as new jobs finish, so the folder does not grow without
 * bound. A file being read when it is deleted stays readable to its reader until the reader closes.
 *
 * <p>Caveats: the coordinator's history counts jobs submitted through the Java API too, so a job's
 * file may outlive the coordinator's memory of it a little; files of an earlier coordinator process
 * are left alone (another process may share the folder).
 */
final class Spool {

  private final Path dir;
  private final int history;
  private final LongConsumer bytesWritten;
  private final Map<String, SpoolFile> files = new HashMap<>();
  private final ArrayDeque<SpoolFile> finished = new ArrayDeque<>();

  private Spool(Path dir, int history, LongConsumer bytesWritten) {
    this.dir = dir;
    this.history = Math.max(1, history);
    this.bytesWritten = bytesWritten;
  }

  /** Creates the folder if needed; fails at once, not with the first job, when it cannot be written. */
  static Spool open(Path dir, int history) {
    return open(dir, history, bytes -> {});
  }

  /** As {@link #open(Path, int)}; {@code bytesWritten} is told how many bytes each write added to a file. */
  static Spool open(Path dir, int history, LongConsumer bytesWritten) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the results folder " + dir + ": " + e.getMessage(), e);
    }
    if (!Files.isWritable(dir)) {
      throw new IllegalStateException("the results folder " + dir + " is not writable");
    }
    return new Spool(dir, history, bytesWritten);
  }

  /** The sink of a new job; runs on the coordinator's thread, so it only takes note (no I/O). */
  synchronized ResultSink sinkFor(String id) {
    SpoolFile f = new SpoolFile(id, dir.resolve(id + ".ndjson"), this);
    files.put(id, f);
    return f;
  }

  /** Called by a file's sink thread after each write. */
  void wrote(long bytes) {
    bytesWritten.accept(bytes);
  }

  synchronized Optional<SpoolFile> find(String id) {
    return Optional.ofNullable(files.get(id));
  }

  /** A job's results are complete; deletes the files of jobs that fell out of the history. */
  void closed(SpoolFile file) {
    SpoolFile evicted = null;
    synchronized (this) {
      finished.addLast(file);
      if (finished.size() > history) {
        evicted = finished.removeFirst();
        files.remove(evicted.id());
      }
    }
    if (evicted != null) {
      try {
        Files.deleteIfExists(evicted.path());
      } catch (IOException e) {
        // a file that will not go is only disk space; the next start-up of an empty folder is the remedy
      }
    }
  }
}
