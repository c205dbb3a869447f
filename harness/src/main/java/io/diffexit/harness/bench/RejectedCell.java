package io.diffexit.harness.bench;

/**
 * A combination of the grid that is not run.
 *
 * @param id the cell id it would have had
 * @param reason one line saying why
 */
public record RejectedCell(String id, String reason) {}
