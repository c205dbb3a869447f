package io.diffexit.harness.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The results folder of one experiment: {@code results.jsonl} (one {@link CellRecord} per line) and
 * {@code manifest.json}.
 *
 * <p>Durability: each record is appended with a single {@code write} of the whole line including its newline, then
 * {@code fsync}. A crash can therefore leave at most a torn last line (a prefix without newline, or garbage after the
 * last newline); {@link #open} cuts the file back to its last complete, parseable line and logs what it dropped.
 * An unparseable line before the last is not a torn write and fails with its line number. The manifest is replaced
 * atomically (temp file, fsync, atomic move). A lock file keeps two runs from writing the same folder.
 */
public final class ResultStore implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ResultStore.class);
  /** Record lines: compact, one per line. */
  static final ObjectMapper JSON = JsonMapper.builder()
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .build();
  private static final ObjectMapper PRETTY = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

  /** File name of the records. */
  public static final String RESULTS = "results.jsonl";
  /** File name of the manifest. */
  public static final String MANIFEST = "manifest.json";

  private final Path dir;
  private final List<CellRecord> records = new ArrayList<>();
  private final FileChannel lockChannel;
  private final FileLock lock;

  private ResultStore(Path dir, FileChannel lockChannel, FileLock lock) {
    this.dir = dir;
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  /**
   * Opens (creating it if needed) a results folder, repairs a torn last line and loads the records.
   *
   * @param dir the results folder
   * @return the store, holding the folder's lock until closed
   * @throws IllegalStateException if another process holds the folder or a line before the last is corrupt
   */
  public static ResultStore open(Path dir) {
    try {
      Files.createDirectories(dir);
      FileChannel ch = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = ch.tryLock();
      } catch (OverlappingFileLockException e) {
        lock = null;
      }
      if (lock == null) {
        ch.close();
        throw new IllegalStateException("results folder " + dir + " is in use by another bench run; wait for it "
            + "to finish or choose another --out");
      }
      ResultStore store = new ResultStore(dir, ch, lock);
      try {
        store.load();
      } catch (RuntimeException e) {
        store.close();
        throw e;
      }
      return store;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open results folder " + dir + ": " + e.getMessage(), e);
    }
  }

  private void load() throws IOException {
    Path file = dir.resolve(RESULTS);
    if (!Files.exists(file)) {
      return;
    }
    byte[] bytes = Files.readAllBytes(file);
    int start = 0;
    int line = 0;
    long keep = 0; // bytes of complete, parseable lines
    while (start < bytes.length) {
      int nl = indexOf(bytes, (byte) '\n', start);
      line++;
      boolean complete = nl >= 0;
      int end = complete ? nl : bytes.length;
      String text = new String(bytes, start, end - start, StandardCharsets.UTF_8);
      boolean last = !complete || nl == bytes.length - 1;
      if (!text.isBlank()) {
        CellRecord r = null;
        String problem = null;
        if (complete) {
          try {
            r = JSON.readValue(text, CellRecord.class);
          } catch (JsonProcessingException | IllegalArgumentException e) {
            problem = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
          }
        }
        if (r == null) {
          if (!last) {
            throw new IllegalStateException(file + " line " + line + " is not a valid result record (" + problem
                + "); only the last line can be torn by a crash: fix or delete that line");
          }
          LOG.warn("{}: dropping a torn last line ({} bytes) left by an interrupted run", file, bytes.length - start);
          break;
        }
        records.add(r);
      }
      keep = complete ? nl + 1 : keep;
      start = end + 1;
    }
    if (keep < bytes.length) {
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
        ch.truncate(keep);
        ch.force(true);
      }
    }
  }

  private static int indexOf(byte[] b, byte v, int from) {
    for (int i = from; i < b.length; i++) {
      if (b[i] == v) {
        return i;
      }
    }
    return -1;
  }

  /** @return the results folder */
  public Path directory() {
    return dir;
  }

  /** @return every record in file order (a cell re-run after a failure appears more than once) */
  public List<CellRecord> records() {
    return Collections.unmodifiableList(records);
  }

  /** @return the last record of each cell, in the order cells first appear */
  public List<CellRecord> latest() {
    Map<String, CellRecord> m = new LinkedHashMap<>();
    for (CellRecord r : records) {
      m.put(r.cellId(), r);
    }
    return List.copyOf(m.values());
  }

  /** @return the last record of a cell */
  public Optional<CellRecord> latest(String cellId) {
    CellRecord found = null;
    for (CellRecord r : records) {
      if (r.cellId().equals(cellId)) {
        found = r;
      }
    }
    return Optional.ofNullable(found);
  }

  /** @return whether a cell has a finished record with this cell hash (then a re-run skips it) */
  public boolean isFinished(String cellId, String cellHash) {
    for (CellRecord r : records) {
      if (r.finished() && r.cellId().equals(cellId) && r.cellHash().equals(cellHash)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Appends one record durably: a single write of the line and its newline, then fsync.
   *
   * @param record the record
   */
  public synchronized void append(CellRecord record) {
    byte[] line;
    try {
      line = (JSON.writeValueAsString(record) + "\n").getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise the record of cell '" + record.cellId() + "': "
          + e.getOriginalMessage(), e);
    }
    try (FileChannel ch = FileChannel.open(dir.resolve(RESULTS),
        StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
      ByteBuffer buf = ByteBuffer.wrap(line);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot append to " + dir.resolve(RESULTS) + ": " + e.getMessage(), e);
    }
    records.add(record);
  }

  /** Replaces {@code manifest.json} atomically. */
  public void writeManifest(Manifest manifest) {
    try {
      writeAtomically(dir.resolve(MANIFEST), PRETTY.writeValueAsBytes(manifest));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise the manifest: " + e.getOriginalMessage(), e);
    }
  }

  /** @return the manifest, if one was written */
  public Optional<Manifest> manifest() {
    return readManifest(dir);
  }

  /** @return the manifest of a results folder, if it has one */
  public static Optional<Manifest> readManifest(Path dir) {
    Path file = dir.resolve(MANIFEST);
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(JSON.readValue(file.toFile(), Manifest.class));
    } catch (IOException e) {
      throw new IllegalStateException(file + " is not a valid manifest: " + e.getMessage().lines().findFirst()
          .orElse("") + "; delete it and re-run to rewrite it", e);
    }
  }

  /**
   * Reads the records of a results folder without locking it (for reports).
   *
   * @return the latest record of each cell; a torn last line is ignored (not repaired)
   */
  public static List<CellRecord> readLatest(Path dir) {
    Path file = dir.resolve(RESULTS);
    Map<String, CellRecord> m = new LinkedHashMap<>();
    if (!Files.exists(file)) {
      return List.of();
    }
    try {
      List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
      for (int i = 0; i < lines.size(); i++) {
        if (lines.get(i).isBlank()) {
          continue;
        }
        try {
          CellRecord r = JSON.readValue(lines.get(i), CellRecord.class);
          m.put(r.cellId(), r);
        } catch (JsonProcessingException | IllegalArgumentException e) {
          if (i < lines.size() - 1) {
            throw new IllegalStateException(file + " line " + (i + 1) + " is not a valid result record; fix or "
                + "delete that line");
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
    return List.copyOf(m.values());
  }

  /** Writes a file through a temp file in the same folder, fsync, then an atomic rename. */
  static void writeAtomically(Path target, byte[] content) {
    Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer buf = ByteBuffer.wrap(content);
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(true);
      }
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    try {
      lock.release();
      lockChannel.close();
    } catch (IOException e) {
      LOG.warn("cannot release the lock of {}: {}", dir, e.getMessage());
    }
  }
}
