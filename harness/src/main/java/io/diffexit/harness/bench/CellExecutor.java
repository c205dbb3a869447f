package io.diffexit.harness.bench;

import java.nio.file.Path;
import java.util.List;

/**
 * Runs one cell: samples {@link Experiment#samples()} images from the shared initial noise, computes FID/KID against
 * {@link Experiment#reference()}, counts MACs, times latency at batch 1 and {@link Experiment#largeBatch()}, and writes
 * sample grids and certainty maps into {@code cellDirectory}. The early-exit runner provides the real one; the
 * {@link BenchRunner} records whatever it throws as the cell's failure.
 */
@FunctionalInterface
public interface CellExecutor extends AutoCloseable {

  /**
   * @param cell the cell
   * @param experiment the shared settings (samples, seed, batches, latency protocol, reference, base folder)
   * @param cellDirectory an existing folder for this cell's files (under the results folder)
   * @param progress where to report progress
   * @return the measurements; paths in it are relative to the results folder
   * @throws Exception any failure; the cell is recorded as failed with its message and the run goes on
   */
  CellResult execute(Cell cell, Experiment experiment, Path cellDirectory, CellProgress progress) throws Exception;

  /**
   * Called once before the first {@link #execute}, with every cell about to run in order, so that an engine with
   * several machines can start them all ahead; {@link #execute} is still called for each and reports its result.
   *
   * @param pending the cells the runner will execute, in order
   * @param experiment the shared settings
   */
  default void prepare(List<Cell> pending, Experiment experiment) {}

  /** Releases what the executor holds (a cluster session); called after the last cell. */
  @Override
  default void close() {}
}
