package io.diffexit.api;

/** Whether exit decisions are made per sample (the default) or once for the whole batch. */
public enum DecisionMode {
  /** Each sample exits on its own; the batch is compacted. */
  PER_SAMPLE,
  /**
   * The whole batch exits together (the official AdaDiff code: mean certainty over the batch tensor). Results then
   * depend on the batch composition; reports say so.
   */
  PER_BATCH;

  /** @return the lower-case name used on the command line and in reports */
  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
  }
}
