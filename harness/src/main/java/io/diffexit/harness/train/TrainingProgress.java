package io.diffexit.harness.train;

import io.diffexit.harness.progress.ProgressLine;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Training progress on a {@link ProgressLine}: step/total, smoothed loss, images/s and ETA. On a terminal every step
 * redraws the line; otherwise (logs, pipes) a line is printed every {@code every} steps, at the last one, and at least
 * once a minute (a long run's interval can be thousands of steps: a log must still show it is alive).
 */
public final class TrainingProgress implements TrainingListener {

  private static final long LOG_AT_LEAST_EVERY_NANOS = 60_000_000_000L;

  private final ProgressLine line;
  private final int every;
  private final java.util.function.LongSupplier clock;
  private long lastLine;

  /**
   * @param line where to print
   * @param every steps between lines when not on a terminal
   */
  public TrainingProgress(ProgressLine line, int every) {
    this(line, every, System::nanoTime);
  }

  /** @param clock nanosecond time source, for the once-a-minute line */
  TrainingProgress(ProgressLine line, int every, java.util.function.LongSupplier clock) {
    if (every < 1) {
      throw new IllegalArgumentException("progress interval must be at least 1 step, got " + every);
    }
    this.line = line;
    this.every = every;
    this.clock = clock;
    this.lastLine = clock.getAsLong();
  }

  /** @return progress on stderr, in place when stderr is a terminal, else a line every ~2% of the run */
  public static TrainingProgress forStderr(int totalSteps) {
    return new TrainingProgress(ProgressLine.stderr(), Math.max(1, totalSteps / 50));
  }

  /** @return the progress text for one report */
  public static String format(StepReport r) {
    StringBuilder sb = new StringBuilder();
    int digits = String.valueOf(r.totalSteps()).length();
    sb.append(String.format(Locale.ROOT, "step %" + digits + "d/%d  loss %.4f (last %.4f)", r.step(), r.totalSteps(),
        r.smoothedLoss(), r.loss()));
    r.terms().forEach((k, v) -> sb.append(String.format(Locale.ROOT, " %s %.4f", k, v)));
    sb.append(String.format(Locale.ROOT, "  lr %.2e  |g| %.3f  %.1f img/s  ETA %s", r.lr(), r.gradNorm(),
        r.imagesPerSecond(), ProgressLine.clock(r.etaSeconds())));
    return sb.toString();
  }

  @Override
  public void stepDone(StepReport r) {
    boolean last = r.step() == r.totalSteps();
    long now = clock.getAsLong();
    if (line.terminal() || r.step() % every == 0 || last || now - lastLine >= LOG_AT_LEAST_EVERY_NANOS) {
      line.status(format(r));
      lastLine = now;
    }
    if (last) {
      line.finish();
    }
  }

  @Override
  public void checkpointWritten(Path dir, int step) {
    line.permanent("checkpoint at step " + step + " written to " + dir);
  }
}
