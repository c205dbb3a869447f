package io.diffexit.harness.bench;

import io.diffexit.harness.progress.ProgressLine;
import java.util.function.LongSupplier;

/**
 * Progress of a benchmark on a {@link ProgressLine}: one bar for the current cell (its phase, done/total, ETA) and one for the whole
 * run (cells done, ETA from the mean time of the cells finished in this run).
 *
 * <p>On a terminal the line is redrawn in place ({@code \r}); otherwise (logs, CI) a plain line is printed when the
 * phase changes and at every 25% of a phase, so logs stay short and readable.
 */
public final class BenchProgress {

  private static final int BAR = 20;

  private final ProgressLine out;
  private final LongSupplier nanoClock;
  private int totalCells;
  private int doneCells;
  private long runCellNanos;
  private int timedCells;
  private String cellId = "";
  private int cellIndex;
  private long cellStart;
  private String phase = "";
  private long phaseStart;
  private int lastQuarter = -1;

  /**
   * @param out where to draw
   * @param nanoClock time source, {@code System::nanoTime}
   */
  public BenchProgress(ProgressLine out, LongSupplier nanoClock) {
    this.out = out;
    this.nanoClock = nanoClock;
  }

  /** @return a reporter on stderr, redrawing in place when there is a console */
  public static BenchProgress stderr() {
    return new BenchProgress(ProgressLine.stderr(), System::nanoTime);
  }

  /** @param cells cells to run in this invocation (skipped ones excluded) */
  public void start(int cells) {
    this.totalCells = cells;
  }

  /** A cell begins. */
  public void cellStarted(int index, String id) {
    cellIndex = index;
    cellId = id;
    cellStart = nanoClock.getAsLong();
    phase = "";
    lastQuarter = -1;
    line("[" + (index + 1) + "/" + totalCells + "] " + id + " started" + overallEta(), true);
  }

  /** @return a progress sink for the current cell */
  public CellProgress cellProgress() {
    return this::update;
  }

  private void update(String newPhase, long done, long total) {
    long now = nanoClock.getAsLong();
    boolean phaseChanged = !newPhase.equals(phase);
    if (phaseChanged) {
      phase = newPhase;
      phaseStart = now;
      lastQuarter = -1;
    }
    double fraction = total <= 0 ? 0 : Math.min(1.0, (double) done / total);
    int quarter = (int) Math.floor(fraction * 4);
    if (!out.terminal() && !phaseChanged && quarter == lastQuarter) {
      return;
    }
    lastQuarter = quarter;
    String eta = done > 0 && done < total
        ? " ETA " + duration((long) ((now - phaseStart) * (double) (total - done) / done)) : "";
    line("[" + (cellIndex + 1) + "/" + totalCells + "] " + cellId + " " + phase + " " + bar(fraction) + " " + done
        + "/" + total + eta + overallEta(), false);
  }

  /** A cell ended (finished or failed). */
  public void cellEnded(String status) {
    long took = nanoClock.getAsLong() - cellStart;
    doneCells++;
    runCellNanos += took;
    timedCells++;
    line("[" + (cellIndex + 1) + "/" + totalCells + "] " + cellId + " " + status + " in " + duration(took)
        + " | overall " + bar((double) doneCells / Math.max(1, totalCells)) + " " + doneCells + "/" + totalCells
        + overallEta(), true);
  }

  private String overallEta() {
    if (timedCells == 0 || doneCells >= totalCells) {
      return "";
    }
    long perCell = runCellNanos / timedCells;
    long elapsedInCell = cellStart == 0 ? 0 : Math.min(perCell, nanoClock.getAsLong() - cellStart);
    long remaining = perCell * (totalCells - doneCells) - elapsedInCell;
    return " | overall ETA " + duration(Math.max(0, remaining));
  }

  private void line(String text, boolean permanent) {
    if (permanent) {
      out.permanent(text);
    } else {
      out.status(text);
    }
  }

  private static String bar(double fraction) {
    return ProgressLine.bar(fraction, BAR);
  }

  private static String duration(long nanos) {
    return ProgressLine.clock(nanos / 1e9);
  }
}
