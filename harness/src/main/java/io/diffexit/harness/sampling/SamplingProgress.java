package io.diffexit.harness.sampling;

import io.diffexit.harness.progress.ProgressLine;
import io.diffexit.harness.runner.SamplingJob;
import java.util.Locale;

/**
 * Sampling progress on a {@link ProgressLine}: label, steps done, percent, steps/s and ETA. On a terminal it is
 * redrawn at most every 200 ms; on a pipe or file it prints a line at most every 10% so logs stay readable.
 */
public final class SamplingProgress implements SamplingJob.Progress {

  private final ProgressLine line;
  private final String label;
  private final long start = System.nanoTime();
  private long lastDrawn = -1;
  private int lastDecile = -1;

  /**
   * @param line where to draw
   * @param label what is running, e.g. {@code fixed(layer=7)}
   */
  public SamplingProgress(ProgressLine line, String label) {
    this.line = line;
    this.label = label;
  }

  /** @return a progress display on stderr that redraws when a console is attached */
  public static SamplingProgress stderr(String label) {
    return new SamplingProgress(ProgressLine.stderr(), label);
  }

  @Override
  public void update(long done, long total) {
    long now = System.nanoTime();
    double elapsed = (now - start) / 1e9;
    int decile = (int) (10 * done / Math.max(1, total));
    boolean finished = done == total;
    if (line.terminal()) {
      if (!finished && lastDrawn >= 0 && now - lastDrawn < 200_000_000L) {
        return;
      }
      lastDrawn = now;
    } else if (decile == lastDecile && !finished) {
      return;
    }
    lastDecile = decile;
    if (finished) {
      line.permanent(text(done, total, elapsed));
    } else {
      line.status(text(done, total, elapsed));
    }
  }

  private String text(long done, long total, double elapsed) {
    double rate = done / Math.max(elapsed, 1e-9);
    double eta = rate > 0 ? (total - done) / rate : Double.NaN;
    return String.format(
        Locale.ROOT, "%-28s %6d/%-6d %3d%%  %6.1f steps/s  elapsed %s  ETA %s", label, done, total,
        100 * done / Math.max(1, total), rate, ProgressLine.clock(elapsed),
        done == total ? "done" : ProgressLine.clock(eta));
  }
}
