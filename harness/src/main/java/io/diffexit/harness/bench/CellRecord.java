package io.diffexit.harness.bench;

import java.util.Objects;

/**
 * One line of {@code results.jsonl}: a cell that finished or failed.
 *
 * @param cellId the cell's stable id
 * @param cellHash {@link Experiment#cellHash(Cell)} when it ran; a re-run skips the cell only if it is unchanged
 * @param cell the cell itself, so reports need no experiment file
 * @param status {@code finished} or {@code failed}
 * @param error for a failed cell, one line: the exception type and message; otherwise {@code null}
 * @param result the measurements of a finished cell; {@code null} when failed
 * @param startedAt ISO-8601 instant the cell started
 * @param finishedAt ISO-8601 instant it ended
 */
public record CellRecord(
    String cellId, String cellHash, Cell cell, String status, String error, CellResult result, String startedAt,
    String finishedAt) {

  /** Status of a cell that produced its results. */
  public static final String FINISHED = "finished";
  /** Status of a cell whose executor threw. */
  public static final String FAILED = "failed";

  public CellRecord {
    Objects.requireNonNull(cellId, "cellId");
    Objects.requireNonNull(cellHash, "cellHash");
    Objects.requireNonNull(cell, "cell");
    if (!FINISHED.equals(status) && !FAILED.equals(status)) {
      throw new IllegalArgumentException("cell status must be finished or failed, got '" + status + "'");
    }
    if (FINISHED.equals(status) && result == null) {
      throw new IllegalArgumentException("finished cell '" + cellId + "' has no result");
    }
    if (FAILED.equals(status) && (error == null || error.isBlank())) {
      throw new IllegalArgumentException("failed cell '" + cellId + "' has no error");
    }
  }

  /** @return whether the cell finished */
  public boolean finished() {
    return FINISHED.equals(status);
  }
}
