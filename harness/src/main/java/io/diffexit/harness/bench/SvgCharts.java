package io.diffexit.harness.bench;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.DoubleUnaryOperator;

/** Inline SVG plots for the HTML report: no script, no external resources. */
final class SvgCharts {

  /** Colours of the built-in strategy types (Okabe–Ito, readable for colour-blind readers). */
  private static final String[] PALETTE = {
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"
  };

  private SvgCharts() {}

  /** One point of a scatter plot. */
  record Point(String label, String series, double x, double y) {}

  /**
   * A scatter plot with the Pareto front (lower x and lower y are better) drawn as a step line.
   *
   * @return an {@code <svg>} element, or a note when there is nothing to plot
   */
  static String pareto(String title, String xLabel, String yLabel, List<Point> points) {
    List<Point> pts = new ArrayList<>();
    for (Point p : points) {
      if (Double.isFinite(p.x()) && Double.isFinite(p.y())) {
        pts.add(p);
      }
    }
    if (pts.isEmpty()) {
      return "<p class=\"note\">" + HtmlReport.escape(title) + ": no finished cell with both values.</p>";
    }
    int w = 460;
    int h = 320;
    int left = 60;
    int right = 20;
    int top = 30;
    int bottom = 50;
    double[] xr = range(pts.stream().mapToDouble(Point::x).toArray());
    double[] yr = range(pts.stream().mapToDouble(Point::y).toArray());
    StringBuilder sb = new StringBuilder();
    sb.append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" viewBox=\"0 0 ").append(w).append(' ')
        .append(h).append("\" width=\"").append(w).append("\" height=\"").append(h).append("\" role=\"img\">");
    sb.append("<title>").append(HtmlReport.escape(title)).append("</title>");
    sb.append(text(w / 2.0, 18, "middle", "title", title));
    double pw = w - left - right;
    double ph = h - top - bottom;
    DoubleUnaryOperator toX = v -> left + (v - xr[0]) / (xr[1] - xr[0]) * pw;
    DoubleUnaryOperator toY = v -> top + ph - (v - yr[0]) / (yr[1] - yr[0]) * ph;
    sb.append(String.format(Locale.ROOT,
        "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%.1f\" class=\"frame\"/>", left, top, pw, ph));
    for (double t : ticks(xr)) {
      double x = toX.applyAsDouble(t);
      sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>",
          x, top, x, top + ph));
      sb.append(text(x, top + ph + 16, "middle", "tick", fmt(t)));
    }
    for (double t : ticks(yr)) {
      double y = toY.applyAsDouble(t);
      sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>",
          left, y, left + pw, y));
      sb.append(text(left - 6, y + 4, "end", "tick", fmt(t)));
    }
    sb.append(text(left + pw / 2, h - 10, "middle", "axis", xLabel));
    sb.append(String.format(Locale.ROOT, "<text x=\"14\" y=\"%.1f\" text-anchor=\"middle\" class=\"axis\" "
        + "transform=\"rotate(-90 14 %.1f)\">%s</text>", top + ph / 2, top + ph / 2, HtmlReport.escape(yLabel)));
    // Pareto front: sorted by x, a point is on it when its y is below every y to its left.
    List<Point> sorted = new ArrayList<>(pts);
    sorted.sort(Comparator.comparingDouble(Point::x).thenComparingDouble(Point::y));
    StringBuilder front = new StringBuilder();
    double best = Double.POSITIVE_INFINITY;
    double prevY = Double.NaN;
    for (Point p : sorted) {
      if (p.y() < best) {
        best = p.y();
        double x = toX.applyAsDouble(p.x());
        double y = toY.applyAsDouble(p.y());
        if (!Double.isNaN(prevY)) {
          front.append(String.format(Locale.ROOT, " %.1f,%.1f", x, prevY));
        }
        front.append(String.format(Locale.ROOT, " %.1f,%.1f", x, y));
        prevY = y;
      }
    }
    sb.append("<polyline class=\"front\" points=\"").append(front.toString().trim()).append("\"/>");
    Map<String, String> colours = colours(pts);
    StringBuilder labels = new StringBuilder();
    List<double[]> placed = new ArrayList<>();
    List<Point> byQuality = new ArrayList<>(pts);
    byQuality.sort(Comparator.comparingDouble(Point::y)); // the best points get the free spots first
    for (Point p : pts) { // labels keep off the markers too
      double x = toX.applyAsDouble(p.x());
      double y = toY.applyAsDouble(p.y());
      placed.add(new double[] {x - 4.5, y - 4.5, x + 4.5, y + 4.5});
    }
    for (Point p : byQuality) {
      double x = toX.applyAsDouble(p.x());
      double y = toY.applyAsDouble(p.y());
      sb.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" fill=\"%s\"><title>%s: %s, %s"
          + "</title></circle>", x, y, colours.get(p.series()), HtmlReport.escape(p.label()), fmt(p.x()), fmt(p.y())));
      labels.append(placeLabel(x, y, p.label(), w, placed));
    }
    sb.append(labels).append("</svg>");
    return sb.toString();
  }

  /** Approximate advance of one character of a point label (9 px sans-serif), for collision checks. */
  private static final double LABEL_CHAR_WIDTH = 5.0;

  /**
   * Places a point's label at the first of four spots around it (upper right, lower right, upper left, lower left)
   * that stays inside the chart's width and overlaps no label placed before; when every spot collides, at the one
   * with the least overlap.
   *
   * @param placed boxes {x0, y0, x1, y1} of the labels placed so far; the chosen box is added
   * @return the {@code <text>} element
   */
  static String placeLabel(double x, double y, String label, double width, List<double[]> placed) {
    double len = label.length() * LABEL_CHAR_WIDTH;
    double[][] spots = {{x + 6, y - 6, 0}, {x + 6, y + 13, 0}, {x - 6, y - 6, 1}, {x - 6, y + 13, 1}};
    double[] bestBox = null;
    double[] bestSpot = null;
    double bestOverlap = Double.POSITIVE_INFINITY;
    for (double[] spot : spots) {
      boolean end = spot[2] == 1;
      double[] box = {end ? spot[0] - len : spot[0], spot[1] - 9, end ? spot[0] : spot[0] + len, spot[1] + 2};
      if (box[0] < 0 || box[2] > width) {
        continue;
      }
      double overlap = 0;
      for (double[] o : placed) {
        overlap += Math.max(0, Math.min(box[2], o[2]) - Math.max(box[0], o[0]))
            * Math.max(0, Math.min(box[3], o[3]) - Math.max(box[1], o[1]));
      }
      if (overlap < bestOverlap) {
        bestOverlap = overlap;
        bestBox = box;
        bestSpot = spot;
      }
      if (overlap == 0) {
        break;
      }
    }
    if (bestSpot == null) { // wider than the chart: start at the point
      bestSpot = spots[0];
      bestBox = new double[] {x + 6, y - 15, x + 6 + len, y - 4};
    }
    placed.add(bestBox);
    return text(bestSpot[0], bestSpot[1], bestSpot[2] == 1 ? "end" : "start", "point", label);
  }

  /**
   * @return the legend of a set of points, as HTML: each strategy type's colour with the instance ids the points are
   *     labelled with ({@code deediff: uem, uem-batch}), since the labels name instances, not types
   */
  static String legend(List<Point> pts) {
    StringBuilder sb = new StringBuilder("<div class=\"legend\">");
    Map<String, java.util.Set<String>> ids = instances(pts);
    colours(pts).forEach((series, colour) -> {
      java.util.Set<String> of = ids.get(series);
      String text = of.equals(java.util.Set.of(series)) ? series : series + ": " + String.join(", ", of);
      sb.append("<span><i style=\"background:").append(colour).append("\"></i>").append(HtmlReport.escape(text))
          .append("</span>");
    });
    return sb.append("</div>").toString();
  }

  /** The built-in strategy types, each with its own colour in every panel ({@link #PALETTE} in this order). */
  static final List<String> BUILT_IN_TYPES =
      List.of("none", "fixed", "schedule", "similarity", "berxit", "deediff", "oracle");

  /** Colours of other (plugin) strategy types, picked by a hash of the type: the same in every panel. */
  private static final String[] OTHER_PALETTE = {"#882255", "#44AA99", "#117733", "#999933", "#AA4499", "#6699CC"};

  /** @return the colour of a strategy type: fixed per type, so that one type has one colour in every panel */
  static String colourOf(String series) {
    int i = BUILT_IN_TYPES.indexOf(series);
    return i >= 0 ? PALETTE[i] : OTHER_PALETTE[Math.floorMod(series.hashCode(), OTHER_PALETTE.length)];
  }

  private static Map<String, String> colours(List<Point> pts) {
    Map<String, String> m = new LinkedHashMap<>();
    for (Point p : pts) {
      m.computeIfAbsent(p.series(), SvgCharts::colourOf);
    }
    return m;
  }

  /** @return the instance ids of each series, as the points' labels start ({@code uem[threshold=0.7]} → uem) */
  private static Map<String, java.util.Set<String>> instances(List<Point> pts) {
    Map<String, java.util.Set<String>> m = new LinkedHashMap<>();
    for (Point p : pts) {
      String id = p.label().split("[\\[@]", 2)[0];
      m.computeIfAbsent(p.series(), s -> new java.util.TreeSet<>()).add(id);
    }
    return m;
  }

  /**
   * The share of samples exiting at each exit layer (rows) per sampler step (columns, left = first step, i.e. the
   * noisiest), with the mean exit layer per step as a line. More than {@code maxColumns} steps are merged into bins.
   */
  static String exitHeatmap(String title, CellResult r, int maxColumns) {
    long[][] hist = r.exitHistogram();
    int steps = hist.length;
    int exits = r.exitLayers().length;
    if (steps == 0 || exits == 0) {
      return "<p class=\"note\">" + HtmlReport.escape(title) + ": no exit trace.</p>";
    }
    int cols = Math.min(steps, maxColumns);
    double[][] frac = new double[cols][exits];
    double[] meanLayer = new double[cols];
    for (int c = 0; c < cols; c++) {
      int from = (int) ((long) c * steps / cols);
      int to = (int) ((long) (c + 1) * steps / cols);
      long n = 0;
      double sum = 0;
      for (int s = from; s < to; s++) {
        for (int e = 0; e < exits; e++) {
          frac[c][e] += hist[s][e];
          n += hist[s][e];
          sum += (double) hist[s][e] * r.exitLayers()[e];
        }
      }
      for (int e = 0; e < exits; e++) {
        frac[c][e] = n == 0 ? 0 : frac[c][e] / n;
      }
      meanLayer[c] = n == 0 ? Double.NaN : sum / n;
    }
    int left = 44;
    int top = 24;
    int bottom = 34;
    double cw = Math.max(3, 360.0 / cols);
    double rh = Math.max(8, 150.0 / exits);
    double pw = cw * cols;
    double ph = rh * exits;
    double w = left + pw + 12;
    double h = top + ph + bottom;
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"heatmap\" "
        + "viewBox=\"0 0 %.0f %.0f\" width=\"%.0f\" height=\"%.0f\" role=\"img\">", w, h, w, h));
    sb.append("<title>").append(HtmlReport.escape(title)).append("</title>");
    sb.append(text(left, 15, "start", "title", title));
    for (int c = 0; c < cols; c++) {
      for (int e = 0; e < exits; e++) {
        if (frac[c][e] > 0) {
          // deeper exits at the top
          double y = top + (exits - 1 - e) * rh;
          sb.append(String.format(Locale.ROOT, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.2f\" height=\"%.2f\" "
              + "fill=\"%s\"/>", left + c * cw, y, cw + 0.05, rh + 0.05, blue(frac[c][e])));
        }
      }
    }
    sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%.1f\" class=\"frame\"/>",
        left, top, pw, ph));
    StringBuilder line = new StringBuilder();
    int minLayer = r.exitLayers()[0];
    int maxLayer = r.exitLayers()[exits - 1];
    for (int c = 0; c < cols; c++) {
      if (!Double.isNaN(meanLayer[c])) {
        double idx = layerToRow(meanLayer[c], r.exitLayers());
        double y = top + (exits - 1 - idx) * rh + rh / 2;
        line.append(String.format(Locale.ROOT, " %.1f,%.1f", left + (c + 0.5) * cw, y));
      }
    }
    sb.append("<polyline class=\"mean\" points=\"").append(line.toString().trim()).append("\"/>");
    sb.append(text(left - 4, top + rh / 2 + 4, "end", "tick", "L" + maxLayer));
    sb.append(text(left - 4, top + ph - rh / 2 + 4, "end", "tick", "L" + minLayer));
    sb.append(text(left, top + ph + 14, "start", "tick", "step 1 (t=" + fmt(r.modelTimes()[0]) + ")"));
    sb.append(text(left + pw, top + ph + 14, "end", "tick",
        "step " + steps + " (t=" + fmt(r.modelTimes()[steps - 1]) + ")"));
    sb.append(text(left + pw / 2, top + ph + 28, "middle", "axis",
        "sampler step" + (cols < steps ? " (" + steps + " steps in " + cols + " bins)" : "")
            + "; line: mean exit layer"));
    sb.append("</svg>");
    return sb.toString();
  }

  /**
   * A small line chart of one value per sampler step (e.g. GMACs per image at each step).
   *
   * @return an {@code <svg>} element
   */
  static String perStep(String title, String yLabel, double[] values) {
    int w = 420;
    int h = 150;
    int left = 50;
    int top = 22;
    int bottom = 30;
    double pw = w - left - 12;
    double ph = h - top - bottom;
    double max = 0;
    for (double v : values) {
      if (Double.isFinite(v)) {
        max = Math.max(max, v);
      }
    }
    double[] yr = {0, max > 0 ? max * 1.1 : 1};
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"steps\" viewBox=\"0 0 %d %d\" "
        + "width=\"%d\" height=\"%d\" role=\"img\">", w, h, w, h));
    sb.append("<title>").append(HtmlReport.escape(title)).append("</title>");
    sb.append(text(left, 14, "start", "title", title));
    sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%.1f\" class=\"frame\"/>",
        left, top, pw, ph));
    for (double t : ticks(yr)) {
      double y = top + ph - t / yr[1] * ph;
      sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>",
          left, y, left + pw, y));
      sb.append(text(left - 4, y + 3, "end", "tick", fmt(t)));
    }
    StringBuilder line = new StringBuilder();
    for (int i = 0; i < values.length; i++) {
      if (Double.isFinite(values[i])) {
        double x = left + (values.length == 1 ? pw / 2 : i * pw / (values.length - 1));
        line.append(String.format(Locale.ROOT, " %.1f,%.1f", x, top + ph - values[i] / yr[1] * ph));
      }
    }
    sb.append("<polyline class=\"mean\" points=\"").append(line.toString().trim()).append("\"/>");
    sb.append(text(left, top + ph + 12, "start", "tick", "step 1"));
    sb.append(text(left + pw, top + ph + 12, "end", "tick", "step " + values.length));
    sb.append(text(left + pw / 2, top + ph + 26, "middle", "axis", yLabel + " by sampler step"));
    sb.append("</svg>");
    return sb.toString();
  }

  /** Maps a (fractional) layer onto the row axis by linear interpolation between the exit points' layers. */
  private static double layerToRow(double layer, int[] layers) {
    if (layer <= layers[0]) {
      return 0;
    }
    for (int i = 1; i < layers.length; i++) {
      if (layer <= layers[i]) {
        return i - 1 + (layer - layers[i - 1]) / Math.max(1e-9, layers[i] - layers[i - 1]);
      }
    }
    return layers.length - 1;
  }

  private static String blue(double f) {
    int r = (int) Math.round(247 - f * (247 - 8));
    int g = (int) Math.round(251 - f * (251 - 48));
    int b = (int) Math.round(255 - f * (255 - 107));
    return String.format(Locale.ROOT, "rgb(%d,%d,%d)", r, g, b);
  }

  private static String text(double x, double y, String anchor, String cls, String content) {
    return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" class=\"%s\">%s</text>",
        x, y, anchor, cls, HtmlReport.escape(content));
  }

  /** @return [min, max] padded by 8% (or ±1 around a single value) */
  static double[] range(double[] v) {
    double lo = Double.POSITIVE_INFINITY;
    double hi = Double.NEGATIVE_INFINITY;
    for (double d : v) {
      lo = Math.min(lo, d);
      hi = Math.max(hi, d);
    }
    double pad = hi > lo ? (hi - lo) * 0.08 : Math.max(1e-9, Math.abs(lo) * 0.1 + 1e-3);
    return new double[] {lo - pad, hi + pad};
  }

  /** @return about five round tick values inside the range */
  static List<Double> ticks(double[] r) {
    double span = r[1] - r[0];
    double raw = span / 5;
    double mag = Math.pow(10, Math.floor(Math.log10(raw)));
    double norm = raw / mag;
    double step = (norm < 1.5 ? 1 : norm < 3 ? 2 : norm < 7 ? 5 : 10) * mag;
    List<Double> out = new ArrayList<>();
    for (double t = Math.ceil(r[0] / step) * step; t <= r[1] + 1e-12; t += step) {
      out.add(Math.abs(t) < step * 1e-9 ? 0.0 : t);
    }
    return out;
  }

  static String fmt(double v) {
    double a = Math.abs(v);
    if (a != 0 && (a >= 1e5 || a < 1e-3)) {
      return String.format(Locale.ROOT, "%.2e", v);
    }
    String s = String.format(Locale.ROOT, a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : "%.3f", v);
    return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
  }
}
