package io.diffexit.harness.progress;

import java.io.PrintStream;
import java.util.Locale;

/**
 * The one way diffexit prints progress (training, sampling, benchmarks): on a terminal a status line is redrawn in
 * place ({@code \r} and clear-line) and permanent lines scroll above it; on a pipe or file (logs, CI) the caller's
 * throttling decides which status lines are printed, each on its own line, so logs stay short.
 */
public final class ProgressLine {

  private final PrintStream out;
  private final boolean terminal;
  private boolean statusShown;

  /**
   * @param out where to print, normally {@code System.err}
   * @param terminal whether {@code out} is a terminal (redraw in place)
   */
  public ProgressLine(PrintStream out, boolean terminal) {
    this.out = out;
    this.terminal = terminal;
  }

  /** @return a line on stderr, redrawn in place when a console is attached */
  public static ProgressLine stderr() {
    return new ProgressLine(System.err, System.console() != null);
  }

  /** @return whether the status line is redrawn in place (so every update may be shown) */
  public boolean terminal() {
    return terminal;
  }

  /** Shows a transient status: redrawn in place on a terminal, a line of its own otherwise. */
  public void status(String text) {
    if (terminal) {
      out.print("\r\033[2K" + text);
      statusShown = true;
    } else {
      out.println(text);
    }
    out.flush();
  }

  /** Prints a line that stays (replacing the status line on a terminal). */
  public void permanent(String text) {
    if (terminal) {
      out.print("\r\033[2K" + text + "\n");
      statusShown = false;
    } else {
      out.println(text);
    }
    out.flush();
  }

  /** Ends the status line on a terminal so that what follows starts on a fresh line. */
  public void finish() {
    if (terminal && statusShown) {
      out.println();
      statusShown = false;
      out.flush();
    }
  }

  /** @return seconds as {@code h:mm:ss} or {@code m:ss}, {@code ?} when unknown (negative, NaN, infinite) */
  public static String clock(double seconds) {
    if (!Double.isFinite(seconds) || seconds < 0) {
      return "?";
    }
    long s = Math.round(seconds);
    return s >= 3600
        ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
        : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }

  /** @return {@code [#####.....] 50%} with {@code width} cells */
  public static String bar(double fraction, int width) {
    int filled = (int) Math.round(Math.max(0, Math.min(1, fraction)) * width);
    return "[" + "#".repeat(filled) + ".".repeat(width - filled) + "] " + Math.round(fraction * 100) + "%";
  }
}
