package io.diffexit.harness.bench;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the cells of a grid that the store does not already hold as finished (with the same cell hash), one after
 * another. A cell whose executor throws is recorded as failed with a one-line error and the run goes on; every
 * finished cell is on disk before the next starts, so an interrupted run loses only the cell in progress and a
 * re-run resumes after the last finished one. Failed cells are tried again on a re-run.
 */
public final class BenchRunner {

  private static final Logger LOG = LoggerFactory.getLogger(BenchRunner.class);

  private final Experiment experiment;
  private final Grid grid;
  private final CellExecutor executor;
  private final ResultStore store;
  private final ProgressReporter progress;

  /**
   * @param experiment the experiment (shared settings, hashes)
   * @param grid its cells
   * @param executor runs one cell
   * @param store where records go
   * @param progress the progress display
   */
  public BenchRunner(
      Experiment experiment, Grid grid, CellExecutor executor, ResultStore store, ProgressReporter progress) {
    this.experiment = experiment;
    this.grid = grid;
    this.executor = executor;
    this.store = store;
    this.progress = progress;
  }

  /** What one invocation did. */
  public record Summary(int finished, int failed, int skipped, int rejected) {}

  /**
   * Runs every pending cell.
   *
   * @return counts of cells finished and failed now, skipped as already finished, and rejected by the filter
   */
  public Summary run() {
    for (RejectedCell r : grid.rejected()) {
      LOG.info("not run: {}: {}", r.id(), r.reason());
    }
    List<Cell> pending = new ArrayList<>();
    int skipped = 0;
    for (Cell c : grid.cells()) {
      if (store.isFinished(c.id(), experiment.cellHash(c))) {
        skipped++;
        LOG.info("already finished, skipping: {}", c.id());
      } else {
        pending.add(c);
      }
    }
    LOG.info("experiment '{}': {} cells, {} to run, {} already finished, {} rejected",
        experiment.name(), grid.cells().size(), pending.size(), skipped, grid.rejected().size());
    progress.start(pending.size());
    if (!pending.isEmpty()) {
      executor.prepare(List.copyOf(pending), experiment);
    }
    int finished = 0;
    int failed = 0;
    for (int i = 0; i < pending.size(); i++) {
      if (Thread.currentThread().isInterrupted()) {
        LOG.warn("interrupted; {} cells not run (a re-run resumes them)", pending.size() - i);
        break;
      }
      Cell cell = pending.get(i);
      if (runCell(i, cell)) {
        finished++;
      } else {
        failed++;
      }
    }
    return new Summary(finished, failed, skipped, grid.rejected().size());
  }

  private boolean runCell(int index, Cell cell) {
    String hash = experiment.cellHash(cell);
    String started = Instant.now().toString();
    progress.cellStarted(index, cell.id());
    LOG.info("cell {} ({} | {} | {} | {})", cell.id(), cell.backbone().describe(), cell.sampler().describe(),
        cell.strategy().describe(), cell.decision().label());
    CellRecord record;
    try {
      Path cellDir = store.directory().resolve("cells").resolve(cell.fileName());
      Files.createDirectories(cellDir);
      CellResult result = executor.execute(cell, experiment, cellDir, progress.cellProgress());
      if (result == null) {
        throw new IllegalStateException("the cell executor returned no result");
      }
      record = new CellRecord(cell.id(), hash, cell, CellRecord.FINISHED, null, result, started,
          Instant.now().toString());
    } catch (Exception | LinkageError | AssertionError | OutOfMemoryError e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      String error = oneLine(e);
      LOG.error("cell {} failed: {}", cell.id(), error, e);
      record = new CellRecord(cell.id(), hash, cell, CellRecord.FAILED, error, null, started,
          Instant.now().toString());
    }
    try {
      store.append(record);
    } catch (UncheckedIOException e) {
      throw new IllegalStateException("cannot record cell '" + cell.id() + "': " + e.getMessage(), e);
    }
    progress.cellEnded(record.status());
    return record.finished();
  }

  /** @return {@code Type: first line of the message} (the cause's, when the top has none) */
  static String oneLine(Throwable e) {
    Throwable t = e;
    while (t.getMessage() == null && t.getCause() != null) {
      t = t.getCause();
    }
    String msg = t.getMessage() == null ? "" : t.getMessage().lines().findFirst().orElse("");
    return t.getClass().getSimpleName() + (msg.isEmpty() ? "" : ": " + msg);
  }
}
