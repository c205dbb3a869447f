package io.diffexit.harness.sampling;

import io.diffexit.harness.runner.SamplingJob;
import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress display for sampling on stderr: label, steps done, percent, steps/s and ETA. Redrawn in place on
 * a terminal; on a pipe or file it prints a line at most every 10% so logs stay readable.
 */
public final class SamplingProgress implements SamplingJob.Progress {

  private final PrintStream out;
  private final String label;
  private final boolean inPlace;
  private final long start = System.nanoTime();
  private long lastDrawn = -1;
  private int lastDecile = -1;

  /**
   * @param out where to draw
   * @param label what is running, e.g. {@code fixed(layer=7)}
   * @param inPlace whether to redraw the line (a terminal) or print lines
   */
  public SamplingProgress(PrintStream out, String label, boolean inPlace) {
    this.out = out;
    this.label = label;
    this.inPlace = inPlace;
  }

  /** @return a progress display on stderr that redraws when a console is attached */
  public static SamplingProgress stderr(String label) {
    return new SamplingProgress(System.err, label, System.console() != null);
  }

  @Override
  public void update(long done, long total) {
    long now = System.nanoTime();
    double elapsed = (now - start) / 1e9;
    int decile = (int) (10 * done / Math.max(1, total));
    boolean finished = done == total;
    if (inPlace) {
      if (!finished && lastDrawn >= 0 && now - lastDrawn < 200_000_000L) {
        return;
      }
      lastDrawn = now;
      out.print("\r" + line(done, total, elapsed) + (finished ? "\n" : ""));
    } else if (decile != lastDecile || finished) {
      lastDecile = decile;
      out.println(line(done, total, elapsed));
    }
    out.flush();
  }

  private String line(long done, long total, double elapsed) {
    double rate = done / Math.max(elapsed, 1e-9);
    double eta = rate > 0 ? (total - done) / rate : Double.NaN;
    return String.format(
        Locale.ROOT, "%-28s %6d/%-6d %3d%%  %6.1f steps/s  elapsed %s  ETA %s", label, done, total,
        100 * done / Math.max(1, total), rate, clock(elapsed), done == total ? "done" : clock(eta));
  }

  /** @return m:ss or h:mm:ss */
  static String clock(double seconds) {
    if (!Double.isFinite(seconds)) {
      return "?";
    }
    long s = Math.round(seconds);
    return s >= 3600
        ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
        : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }
}
