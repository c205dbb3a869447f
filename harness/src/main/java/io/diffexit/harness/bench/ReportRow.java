package io.diffexit.harness.bench;

/**
 * One cell as the reports show it: its latest record and its comparison with the full model.
 *
 * @param record the cell's latest record in {@code results.jsonl}
 * @param comparison against the group's full-model cell ({@link Comparison#of}); null when the cell failed or its
 *     group has no finished full-model cell
 */
record ReportRow(CellRecord record, Comparison comparison) {

  Cell cell() {
    return record.cell();
  }

  /** @return the measurements; null for a failed cell */
  CellResult result() {
    return record.result();
  }

  boolean finished() {
    return record.finished();
  }

  /** @return whether this cell is the full-model baseline the others of its group are compared with */
  boolean isBaseline() {
    return comparison != null && comparison.baselineId().equals(record.cellId());
  }
}
