package io.diffexit.harness.bench;

import io.diffexit.harness.fidelity.SavedSamples;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The figures of a results folder: each backbone/sampler group's two Pareto plots (inlined in {@code report.html} and
 * written as standalone SVG files under {@link ReportWriter#PLOTS}) and its side-by-side figure of saved samples.
 */
final class ReportPlots {

  /** Samples shown per row of the side-by-side figure. */
  static final int SIDE_BY_SIDE_COLUMNS = 8;

  private ReportPlots() {}

  /**
   * Writes each backbone/sampler group's two Pareto plots as standalone SVG files ({@code plots/B-S-fid-vs-gflops.svg}
   * and {@code plots/B-S-fid-vs-latency-b1.svg} for backbone id B and sampler id S), with their styles inlined, for
   * READMEs and papers that cannot embed the HTML report, and its side-by-side figure
   * ({@code plots/B-S-side-by-side.svg}) when at least two of its cells saved their samples.
   */
  static void write(ReportModel model) {
    Path plots = model.dir().resolve(ReportWriter.PLOTS);
    try {
      Files.createDirectories(plots);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + plots + ": " + e.getMessage(), e);
    }
    List<String> svgRules = ReportStylesheet.rules().stream().filter(rule -> rule.startsWith("svg ")).toList();
    for (Map.Entry<String, List<ReportRow>> g : model.groups().entrySet()) {
      Cell first = g.getValue().get(0).cell();
      String slug = (first.backbone().id() + "-" + first.sampler().id()).replaceAll("[^A-Za-z0-9._-]+", "-");
      ResultStore.writeAtomically(plots.resolve(slug + "-fid-vs-gflops.svg"),
          standalone(paretoFlops(g.getKey(), g.getValue()), svgRules).getBytes(StandardCharsets.UTF_8));
      ResultStore.writeAtomically(plots.resolve(slug + "-fid-vs-latency-b1.svg"),
          standalone(paretoLatency(g.getKey(), g.getValue()), svgRules).getBytes(StandardCharsets.UTF_8));
      String figure = sideBySide(model.dir(), g.getKey(), g.getValue());
      if (figure != null) {
        ResultStore.writeAtomically(plots.resolve(slug + "-side-by-side.svg"), figure.getBytes(StandardCharsets.UTF_8));
      }
    }
  }

  /**
   * @return the group's side-by-side figure (the first {@link #SIDE_BY_SIDE_COLUMNS} samples, or as many as every row
   *     has, of every finished cell whose saved samples are present, the full model first), or null when fewer than
   *     two cells have them
   */
  private static String sideBySide(Path dir, String group, List<ReportRow> cells) {
    List<SideBySideFigure.Row> rows = new ArrayList<>();
    for (ReportRow r : cells) {
      if (!r.finished() || r.result().samplesFile() == null) {
        continue;
      }
      Path file = dir.resolve(r.result().samplesFile());
      if (!Files.isRegularFile(file)) {
        continue;
      }
      SavedSamples s = SavedSamples.read(file);
      Comparison cmp = r.comparison();
      String label = plotLabel(r.cell().strategy().label())
          + (cmp == null ? "" : String.format(Locale.ROOT, " · %.0f%% MACs saved", cmp.macsSavedPercent()))
          + (r.result().quality() == null ? "" : String.format(Locale.ROOT, " · FID %.1f", r.result().quality().fid()));
      SideBySideFigure.Row row = new SideBySideFigure.Row(label, s);
      if (r.isBaseline()) {
        rows.add(0, row);
      } else {
        rows.add(row);
      }
    }
    if (rows.size() < 2) {
      return null;
    }
    int columns = SIDE_BY_SIDE_COLUMNS;
    for (SideBySideFigure.Row row : rows) {
      columns = Math.min(columns, row.samples().count());
    }
    return SideBySideFigure.svg("Same noise, first " + columns + " samples — " + group, rows, columns);
  }

  /**
   * @return the chart with the given SVG style rules and a white background inside it, or the text as a small SVG
   *     when there is no chart
   */
  private static String standalone(String chart, List<String> svgRules) {
    if (!chart.startsWith("<svg")) {
      return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 460 40\" width=\"460\" height=\"40\">"
          + "<text x=\"8\" y=\"24\" font-size=\"12\">" + HtmlReport.escape(chart.replaceAll("<[^>]+>", ""))
          + "</text></svg>\n";
    }
    String style = "<style>text{font-family:system-ui,sans-serif}" + String.join("", svgRules)
        + "</style><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>";
    int open = chart.indexOf('>') + 1;
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + chart.substring(0, open) + style + chart.substring(open)
        + "\n";
  }

  /** @return the group's plot of FID against GFLOPs per image */
  static String paretoFlops(String group, List<ReportRow> cells) {
    return SvgCharts.pareto(
        "FID vs GFLOPs per image — " + group, "GFLOPs per image", "FID", paretoPoints(cells, Axis.GFLOPS));
  }

  /**
   * @return the group's plot of FID against batch-1 time: in full passes when every plotted cell has it (drift-free),
   *     else in milliseconds
   */
  static String paretoLatency(String group, List<ReportRow> cells) {
    boolean paced = cells.stream().filter(r -> r.finished() && r.result().quality() != null)
        .allMatch(r -> r.result().latencyBatch1().paced() != null);
    return SvgCharts.pareto("FID vs latency (batch 1) — " + group,
        paced ? "time per image in full passes, batch 1" : "ms per image, batch 1", "FID",
        paretoPoints(cells, paced ? Axis.PASSES_B1 : Axis.MS_B1));
  }

  /** @return the group's legend: one entry per strategy type among its plotted cells */
  static String legend(List<ReportRow> cells) {
    return SvgCharts.legend(paretoPoints(cells, Axis.GFLOPS));
  }

  private enum Axis { GFLOPS, MS_B1, PASSES_B1 }

  /** @return one point per finished cell with a FID: x = GFLOPs per image, or its median batch-1 time */
  private static List<SvgCharts.Point> paretoPoints(List<ReportRow> cells, Axis axis) {
    List<SvgCharts.Point> out = new ArrayList<>();
    for (ReportRow r : cells) {
      if (r.finished() && r.result().quality() != null) {
        Latency b1 = r.result().latencyBatch1();
        double x = switch (axis) {
          case GFLOPS -> r.result().flopsPerImage() / 1e9;
          case MS_B1 -> b1.medianMs();
          case PASSES_B1 -> b1.paced().median();
        };
        out.add(new SvgCharts.Point(plotLabel(r.cell().strategy().label()), r.cell().strategy().type(), x,
            r.result().quality().fid()));
      }
    }
    return out;
  }

  /**
   * @return a cell label for a plot: a parameter value that is a path is shortened to its file name without extension
   *     ({@code schedule[from=./schedules/uvit-deediff-0.6.json]} → {@code schedule[from=uvit-deediff-0.6]})
   */
  static String plotLabel(String label) {
    return label.replaceAll("(?<==)[^,\\]=]*/([^/,\\]=]*?)(?:\\.[A-Za-z0-9]+)?(?=[,\\]])", "$1");
  }
}
