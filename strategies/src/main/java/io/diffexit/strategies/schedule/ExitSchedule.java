package io.diffexit.strategies.schedule;

import io.diffexit.strategies.ExitLayers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An exit point per integer model time t ∈ [0, T): the static, time-dependent schedule of Moon et al. (ASE). A
 * sample's model time is floored and clamped to [0, T − 1] before the lookup, so continuous samplers' fractional or
 * slightly out-of-range times (e.g. t·T − 1 just below 0) use the nearest range.
 *
 * <p>Every requested layer is rounded <em>up</em> to the nearest existing exit layer (never exit earlier than asked).
 */
public final class ExitSchedule {

  private static final Pattern ENTRY = Pattern.compile("\\s*(\\d+)\\s*-\\s*(\\d+)\\s*:\\s*(\\d+)\\s*");

  private final int[] exitIndex;
  private final ExitLayers layers;
  private final String source;

  private ExitSchedule(int[] exitIndex, ExitLayers layers, String source) {
    this.exitIndex = exitIndex;
    this.layers = layers;
    this.source = source;
  }

  /**
   * Parses {@code lo-hi:layer;lo-hi:layer;...}: integer model-time ranges [lo, hi) that must cover [0, T) without gap
   * or overlap (in any order), each with a layer in [1, depth].
   *
   * @param owner for messages, e.g. {@code "exit strategy 'schedule'"}
   * @param table the text
   * @param layers the backbone's exit layers
   * @param timesteps T
   * @return the schedule
   * @throws IllegalArgumentException naming the bad entry, gap or overlap
   */
  public static ExitSchedule parseTable(String owner, String table, ExitLayers layers, int timesteps) {
    String prefix = owner + ": parameter 'table' ";
    List<int[]> ranges = new ArrayList<>();
    for (String entry : table.split(";")) {
      if (entry.isBlank()) {
        continue;
      }
      Matcher m = ENTRY.matcher(entry);
      if (!m.matches()) {
        throw new IllegalArgumentException(prefix + "entry '" + entry.trim()
            + "' must look like lo-hi:layer with integers, e.g. 0-300:13");
      }
      int lo = Integer.parseInt(m.group(1));
      int hi = Integer.parseInt(m.group(2));
      int layer = Integer.parseInt(m.group(3));
      if (lo >= hi) {
        throw new IllegalArgumentException(prefix + "range " + lo + "-" + hi + " is empty; write lo-hi with lo < hi");
      }
      if (layer < 1 || layer > layers.depth()) {
        throw new IllegalArgumentException(prefix + "entry '" + entry.trim() + "': layer must be in [1, "
            + layers.depth() + "], got " + layer);
      }
      ranges.add(new int[] {lo, hi, layer});
    }
    if (ranges.isEmpty()) {
      throw new IllegalArgumentException(prefix + "is empty; write ranges like 0-300:13;300-1000:7");
    }
    ranges.sort(Comparator.comparingInt(r -> r[0]));
    int covered = 0;
    for (int[] r : ranges) {
      if (r[0] > covered) {
        throw new IllegalArgumentException(prefix + "leaves model times [" + covered + ", " + r[0]
            + ") uncovered; ranges must cover [0, " + timesteps + ")");
      }
      if (r[0] < covered) {
        throw new IllegalArgumentException(prefix + "has overlapping ranges at model time " + r[0]
            + " (a range ends at " + covered + ")");
      }
      covered = r[1];
    }
    if (covered != timesteps) {
      throw new IllegalArgumentException(prefix + "must end at T = " + timesteps + ", but its last range ends at "
          + covered);
    }
    int[] index = new int[timesteps];
    for (int[] r : ranges) {
      int e = layers.roundUp(r[2]);
      for (int t = r[0]; t < r[1]; t++) {
        index[t] = e;
      }
    }
    return new ExitSchedule(index, layers, "table");
  }

  /**
   * Reads a calibration file {@code {"modelTime": [t_0, t_1, ...], "meanExitLayer": [l_0, l_1, ...]}}: the mean exit
   * layer observed at each model time (e.g. DeeDiff's, from a calibration run), with strictly monotone times (a sampling
   * run's {@code exit-stats.json} lists them high noise first). The
   * layer at an integer t is interpolated linearly between the calibration points (held constant beyond the first
   * and the last) and rounded up to the nearest existing exit layer.
   *
   * @param owner for messages
   * @param path the JSON file
   * @param layers the backbone's exit layers
   * @param timesteps T
   * @return the schedule
   * @throws IllegalArgumentException naming the file and what is wrong with it
   */
  public static ExitSchedule readCalibration(String owner, Path path, ExitLayers layers, int timesteps) {
    String prefix = owner + ": calibration file " + path + " ";
    String json;
    try {
      json = Files.readString(path, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException(prefix + "cannot be read (" + e.getMessage() + ")", e);
    }
    double[] times = numbers(prefix, json, "modelTime");
    double[] means = numbers(prefix, json, "meanExitLayer");
    if (times.length != means.length || times.length == 0) {
      throw new IllegalArgumentException(prefix + "needs equally long, non-empty 'modelTime' and 'meanExitLayer' "
          + "arrays, got " + times.length + " and " + means.length);
    }
    if (times.length > 1 && times[0] > times[times.length - 1]) {
      // Sampling runs write their exit statistics in sampler order (high noise first): read them back to front.
      reverse(times);
      reverse(means);
    }
    for (int k = 0; k < times.length; k++) {
      if (k > 0 && !(times[k] > times[k - 1])) {
        throw new IllegalArgumentException(prefix + "must list 'modelTime' in strictly monotone order, got "
            + times[k - 1] + " and " + times[k] + " out of order");
      }
      if (!(means[k] >= 1 && means[k] <= layers.depth())) {
        throw new IllegalArgumentException(prefix + "has meanExitLayer " + means[k] + " outside [1, "
            + layers.depth() + "]");
      }
    }
    int[] index = new int[timesteps];
    for (int t = 0; t < timesteps; t++) {
      index[t] = layers.roundUp(interpolate(times, means, t));
    }
    return new ExitSchedule(index, layers, "from=" + path);
  }

  /**
   * The default: a linear ramp from the full depth at t = 0 to half the depth at t = T (Moon et al.'s shape: full
   * depth near the data, fewest blocks at high noise), {@code layer(t) = depth − (depth/2)·t/T}, rounded up to
   * exit layers.
   *
   * @param layers the backbone's exit layers
   * @param timesteps T
   * @return the schedule
   */
  public static ExitSchedule linearRamp(ExitLayers layers, int timesteps) {
    int[] index = new int[timesteps];
    double depth = layers.depth();
    for (int t = 0; t < timesteps; t++) {
      index[t] = layers.roundUp(depth - depth / 2 * t / timesteps);
    }
    return new ExitSchedule(index, layers, "linear ramp");
  }

  private static void reverse(double[] a) {
    for (int i = 0, j = a.length - 1; i < j; i++, j--) {
      double tmp = a[i];
      a[i] = a[j];
      a[j] = tmp;
    }
  }

  private static double interpolate(double[] x, double[] y, double t) {
    if (t <= x[0]) {
      return y[0];
    }
    for (int k = 1; k < x.length; k++) {
      if (t <= x[k]) {
        double a = (t - x[k - 1]) / (x[k] - x[k - 1]);
        return y[k - 1] + a * (y[k] - y[k - 1]);
      }
    }
    return y[y.length - 1];
  }

  private static double[] numbers(String prefix, String json, String key) {
    Matcher m = Pattern.compile("\"" + key + "\"\\s*:\\s*\\[([^\\]]*)\\]").matcher(json);
    if (!m.find()) {
      throw new IllegalArgumentException(prefix + "has no array '" + key
          + "'; expected {\"modelTime\": [...], \"meanExitLayer\": [...]}");
    }
    String body = m.group(1).trim();
    if (body.isEmpty()) {
      return new double[0];
    }
    String[] parts = body.split(",");
    double[] out = new double[parts.length];
    for (int k = 0; k < parts.length; k++) {
      try {
        out[k] = Double.parseDouble(parts[k].trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(prefix + "has a non-number '" + parts[k].trim() + "' in '" + key + "'");
      }
    }
    return out;
  }

  /** @return T, the number of model times covered */
  public int timesteps() {
    return exitIndex.length;
  }

  /** @return the exit point index for a model time (floored, clamped to [0, T − 1]) */
  public int exitIndexAt(double modelTime) {
    int t = (int) Math.floor(modelTime);
    return exitIndex[Math.max(0, Math.min(exitIndex.length - 1, t))];
  }

  /** @return the exit layer for a model time */
  public int layerAt(double modelTime) {
    return layers.layer(exitIndexAt(modelTime));
  }

  /** @return the effective schedule as a table, e.g. {@code 0-300:13;300-1000:7} (layers after rounding) */
  public String toTable() {
    StringBuilder sb = new StringBuilder();
    int start = 0;
    for (int t = 1; t <= exitIndex.length; t++) {
      if (t == exitIndex.length || exitIndex[t] != exitIndex[start]) {
        sb.append(sb.length() == 0 ? "" : ";").append(start).append('-').append(t).append(':')
            .append(layers.layer(exitIndex[start]));
        start = t;
      }
    }
    return sb.toString();
  }

  /** @return where the schedule came from: {@code table}, {@code from=PATH} or {@code linear ramp} */
  public String source() {
    return source;
  }
}
