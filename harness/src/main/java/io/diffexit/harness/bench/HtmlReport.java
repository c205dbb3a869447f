package io.diffexit.harness.bench;

import io.diffexit.harness.plugins.ComponentInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code report.html}, self-contained: the stylesheet ({@link ReportStylesheet}) and the SVG charts inline, images as
 * data URIs, and a content security policy that forbids loading anything else. It holds the side-by-side table, the
 * Pareto plots of each group, each cell's exit heatmap, MACs by step, samples and certainty maps, and the conventions.
 */
final class HtmlReport implements ReportFormat {

  /** File name. */
  static final String FILE = "report.html";

  /** Steps shown per row of a cell's exit heatmap. */
  private static final int HEATMAP_COLUMNS = 100;

  @Override
  public String fileName() {
    return FILE;
  }

  @Override
  public String render(ReportModel model) {
    Manifest manifest = model.manifest();
    List<ReportRow> rows = model.rows();
    StringBuilder sb = new StringBuilder();
    sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    sb.append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
        + "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">");
    sb.append("<title>diffexit benchmark: ").append(escape(manifest.experiment())).append("</title>");
    sb.append("<style>").append(ReportStylesheet.css()).append("</style></head><body>\n");
    sb.append("<h1>Benchmark: ").append(escape(manifest.experiment())).append("</h1>\n");
    sb.append("<p>").append(model.finished()).append(" finished, ").append(model.failed()).append(" failed, ")
        .append(model.notRunYet()).append(" not run yet, ").append(manifest.rejected().size())
        .append(" rejected.").append(escape(model.notShownNote())).append("</p>\n");
    // In a scrolling box: a table wider than the window scrolls by itself instead of pushing the page sideways.
    sb.append("<div class=\"wide\"><table id=\"results\"><thead><tr>");
    for (ReportColumns.TableColumn c : ReportColumns.TABLE) {
      sb.append("<th>").append(escape(c.header())).append("</th>");
    }
    sb.append("</tr></thead><tbody>\n");
    for (ReportRow r : rows) {
      sb.append(r.finished() ? "<tr>" : "<tr class=\"failed\">");
      List<String> values = ReportColumns.tableRow(r);
      for (int i = 0; i < values.size(); i++) {
        boolean number = ReportColumns.TABLE.get(i).kind() == ReportColumns.Kind.NUMBER;
        sb.append(number ? "<td class=\"num\">" : "<td>").append(escape(values.get(i))).append("</td>");
      }
      sb.append("</tr>\n");
    }
    sb.append("</tbody></table></div>\n");
    if (!manifest.rejected().isEmpty()) {
      sb.append("<h2>Combinations not run</h2><ul>");
      for (RejectedCell rc : manifest.rejected()) {
        sb.append("<li><code>").append(escape(rc.id())).append("</code>: ").append(escape(rc.reason())).append("</li>");
      }
      sb.append("</ul>\n");
    }
    sb.append("<h2>Quality against cost (Pareto fronts; lower-left is better)</h2>\n");
    for (Map.Entry<String, List<ReportRow>> g : model.groups().entrySet()) {
      sb.append("<h3>").append(escape(g.getKey())).append("</h3>");
      sb.append(ReportPlots.legend(g.getValue()));
      sb.append("<div class=\"plots\">");
      sb.append(ReportPlots.paretoFlops(g.getKey(), g.getValue()));
      sb.append(ReportPlots.paretoLatency(g.getKey(), g.getValue()));
      sb.append("</div>\n");
    }
    sb.append("<h2>Cells: exit layer by timestep, samples, certainty maps</h2>\n<div class=\"cells\">");
    for (ReportRow r : rows) {
      cell(sb, model.dir(), r);
    }
    sb.append("</div>\n<footer><h2>Conventions and machine</h2><ul>");
    for (String c : ReportConventions.of(model)) {
      sb.append("<li>").append(escape(c).replaceAll("`([^`]*)`", "<code>$1</code>")).append("</li>");
    }
    sb.append("</ul><h3>Components</h3><table id=\"components\"><thead><tr><th>kind</th><th>name</th><th>version</th>"
        + "<th>origin</th></tr></thead><tbody>");
    for (ComponentInfo ci : manifest.plugins()) {
      sb.append("<tr><td>").append(escape(ci.kind())).append("</td><td>").append(escape(ci.name())).append("</td><td>")
          .append(escape(ci.version())).append("</td><td>").append(escape(ci.origin())).append("</td></tr>");
    }
    sb.append("</tbody></table></footer>\n");
    // Marks that the page was parsed and scripted to the end; the headless browser test reads it from the DOM.
    sb.append("<script>(function(){var t=document.getElementById('results');"
        + "document.body.setAttribute('data-rendered',t&&t.tBodies[0].rows.length>0?'table':'empty');})();</script>");
    sb.append("\n</body></html>\n");
    return sb.toString();
  }

  /** Appends a cell's box: its exit heatmap, note, MACs by step, samples and certainty maps, or its failure. */
  private static void cell(StringBuilder sb, Path dir, ReportRow r) {
    sb.append("<div class=\"cell\"><h3>").append(escape(r.record().cellId())).append("</h3>");
    if (!r.finished()) {
      sb.append("<p class=\"missing\">failed: ").append(escape(r.record().error())).append("</p></div>");
      return;
    }
    CellResult m = r.result();
    sb.append(SvgCharts.exitHeatmap("share of samples exiting at each layer, per step", m, HEATMAP_COLUMNS));
    sb.append("<p class=\"note\">white 0% → dark blue 100% of the step's samples; mean exit layer ")
        .append(ReportColumns.f2(m.meanExitLayer())).append(", decision ")
        .append(escape(m.decisionMode())).append(", peak memory ")
        .append(String.format(Locale.ROOT, "%.0f MiB", m.peakMemoryBytes() / 1048576.0)).append(", wall time ")
        .append(String.format(Locale.ROOT, "%.1f s", m.wallSeconds())).append(".</p>");
    double[] gmacs = new double[m.macsByStep().length];
    for (int i = 0; i < gmacs.length; i++) {
      gmacs[i] = m.macsByStep()[i] / 1e9;
    }
    sb.append(SvgCharts.perStep("GMACs per image at each step", "GMACs per image", gmacs));
    if (m.sampleGrid() != null) {
      sb.append(image(dir, m.sampleGrid(), "samples", "samples of " + r.record().cellId()));
    }
    if (!m.certaintyMaps().isEmpty()) {
      sb.append("<p>certainty maps:</p>");
      for (String p : m.certaintyMaps()) {
        sb.append(image(dir, p, "certainty", "certainty map " + p));
      }
    }
    sb.append("</div>");
  }

  /** @return the PNG as an inline image, or a note naming it when it is missing or not a PNG */
  private static String image(Path dir, String relative, String cls, String alt) {
    Path p = dir.resolve(relative).normalize();
    try {
      byte[] bytes = Files.readAllBytes(p);
      if (bytes.length < 8 || (bytes[0] & 0xff) != 0x89 || bytes[1] != 'P' || bytes[2] != 'N' || bytes[3] != 'G') {
        return "<p class=\"missing\">not a PNG: " + escape(relative) + "</p>";
      }
      return "<img class=\"" + cls + "\" alt=\"" + escape(alt) + "\" src=\"data:image/png;base64,"
          + Base64.getEncoder().encodeToString(bytes) + "\">";
    } catch (IOException e) {
      return "<p class=\"missing\">missing image: " + escape(relative) + "</p>";
    }
  }

  /** @return text escaped for HTML content and attribute values; "" for null */
  static String escape(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder sb = new StringBuilder(s.length());
    for (char ch : s.toCharArray()) {
      switch (ch) {
        case '&' -> sb.append("&amp;");
        case '<' -> sb.append("&lt;");
        case '>' -> sb.append("&gt;");
        case '"' -> sb.append("&quot;");
        case '\'' -> sb.append("&#39;");
        default -> sb.append(ch);
      }
    }
    return sb.toString();
  }
}
