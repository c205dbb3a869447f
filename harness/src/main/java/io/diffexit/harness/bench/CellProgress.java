package io.diffexit.harness.bench;

/** What a {@link CellExecutor} reports while it works, for the progress bars. */
public interface CellProgress {

  /**
   * @param phase what it is doing, e.g. {@code sampling}, {@code fid}, {@code latency b1}
   * @param done units done in this phase (images, repeats)
   * @param total units in this phase
   */
  void update(String phase, long done, long total);

  /** @return a listener that ignores everything */
  static CellProgress none() {
    return (phase, done, total) -> {};
  }
}
