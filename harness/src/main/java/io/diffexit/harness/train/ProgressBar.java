package io.diffexit.harness.train;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A plain-text progress line on stderr: step/total, smoothed loss, images/s and ETA. On a terminal it is rewritten in
 * place ({@code \r}); otherwise (logs, pipes) a line is printed every {@code every} steps and at the last one.
 */
public final class ProgressBar implements TrainingListener {

  private final PrintStream out;
  private final boolean inPlace;
  private final int every;
  private int width;

  /**
   * @param out where to print (stderr)
   * @param inPlace rewrite one line (a terminal) rather than print one line per {@code every} steps
   * @param every steps between lines when not in place
   */
  public ProgressBar(PrintStream out, boolean inPlace, int every) {
    if (every < 1) {
      throw new IllegalArgumentException("progress interval must be at least 1 step, got " + every);
    }
    this.out = out;
    this.inPlace = inPlace;
    this.every = every;
  }

  /** @return a bar on stderr, in place when stderr is a terminal, else a line every ~2% of the run */
  public static ProgressBar forStderr(int totalSteps) {
    return new ProgressBar(System.err, System.console() != null, Math.max(1, totalSteps / 50));
  }

  /** @return the progress text for one report */
  public static String format(StepReport r) {
    StringBuilder sb = new StringBuilder();
    int digits = String.valueOf(r.totalSteps()).length();
    sb.append(String.format(Locale.ROOT, "step %" + digits + "d/%d  loss %.4f (last %.4f)", r.step(), r.totalSteps(),
        r.smoothedLoss(), r.loss()));
    r.terms().forEach((k, v) -> sb.append(String.format(Locale.ROOT, " %s %.4f", k, v)));
    sb.append(String.format(Locale.ROOT, "  lr %.2e  |g| %.3f  %.1f img/s  ETA %s", r.lr(), r.gradNorm(),
        r.imagesPerSecond(), duration(r.etaSeconds())));
    return sb.toString();
  }

  /** @return seconds as {@code 1h02m}, {@code 3m05s} or {@code 12s} */
  public static String duration(double seconds) {
    if (!Double.isFinite(seconds) || seconds < 0) {
      return "?";
    }
    long s = Math.round(seconds);
    if (s >= 3600) {
      return String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60);
    }
    if (s >= 60) {
      return String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }
    return s + "s";
  }

  @Override
  public void stepDone(StepReport r) {
    String text = format(r);
    if (inPlace) {
      out.print("\r" + text + " ".repeat(Math.max(0, width - text.length())));
      width = text.length();
      if (r.step() == r.totalSteps()) {
        out.println();
      }
      out.flush();
    } else if (r.step() % every == 0 || r.step() == r.totalSteps()) {
      out.println(text);
      out.flush();
    }
  }

  @Override
  public void checkpointWritten(Path dir, int step) {
    if (inPlace) {
      out.print("\r" + " ".repeat(width) + "\r");
      width = 0;
    }
    out.println("checkpoint at step " + step + " written to " + dir);
    out.flush();
  }
}
