package io.diffexit.harness.bench;

/**
 * A cell of the grid (or the experiment's shared reference) that cannot run as written, found by the checks made
 * before any cell runs.
 *
 * @param id the cell id, or {@code reference} for the experiment's FID reference
 * @param problem one line naming what is wrong and what would fix it
 */
public record InvalidCell(String id, String problem) {

  /** The id under which a problem of the experiment's reference (extractor, statistics file) is reported. */
  public static final String REFERENCE = "reference";
}
