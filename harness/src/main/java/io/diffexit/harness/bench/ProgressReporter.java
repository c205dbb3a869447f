package io.diffexit.harness.bench;

import java.io.PrintStream;
import java.util.function.LongSupplier;

/**
 * Progress of a benchmark on stderr: one bar for the current cell (its phase, done/total, ETA) and one for the whole
 * run (cells done, ETA from the mean time of the cells finished in this run).
 *
 * <p>On a terminal the line is redrawn in place ({@code \r}); otherwise (logs, CI) a plain line is printed when the
 * phase changes and at every 25% of a phase, so logs stay short and readable.
 */
public final class ProgressReporter {

  private static final int BAR = 20;

  private final PrintStream out;
  private final boolean terminal;
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
   * @param out where to draw, normally {@code System.err}
   * @param terminal whether {@code out} is a terminal (redraw in place)
   * @param nanoClock time source, {@code System::nanoTime}
   */
  public ProgressReporter(PrintStream out, boolean terminal, LongSupplier nanoClock) {
    this.out = out;
    this.terminal = terminal;
    this.nanoClock = nanoClock;
  }

  /** @return a reporter on stderr, redrawing in place when there is a console */
  public static ProgressReporter stderr() {
    return new ProgressReporter(System.err, System.console() != null, System::nanoTime);
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
    if (!terminal && !phaseChanged && quarter == lastQuarter) {
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
    if (terminal) {
      out.print("\r\033[2K" + text + (permanent ? "\n" : ""));
    } else {
      out.println(text);
    }
    out.flush();
  }

  static String bar(double fraction) {
    int filled = (int) Math.round(fraction * BAR);
    return "[" + "#".repeat(filled) + ".".repeat(BAR - filled) + "] " + Math.round(fraction * 100) + "%";
  }

  /** @return {@code h:mm:ss} or {@code m:ss} */
  static String duration(long nanos) {
    long s = Math.round(nanos / 1e9);
    long h = s / 3600;
    long m = (s % 3600) / 60;
    long sec = s % 60;
    return h > 0 ? String.format("%d:%02d:%02d", h, m, sec) : String.format("%d:%02d", m, sec);
  }
}
