package io.diffexit.harness.bench;

import io.diffexit.harness.plugins.ComponentInfo;

/** {@code report.md}: the run's counts, the side-by-side table, the combinations not run, conventions, components. */
final class MarkdownReport implements ReportFormat {

  /** File name. */
  static final String FILE = "report.md";

  @Override
  public String fileName() {
    return FILE;
  }

  @Override
  public String render(ReportModel model) {
    Manifest manifest = model.manifest();
    StringBuilder sb = new StringBuilder();
    sb.append("# Benchmark: ").append(manifest.experiment()).append("\n\n");
    sb.append(model.finished()).append(" finished, ").append(model.failed()).append(" failed, ")
        .append(model.notRunYet()).append(" not run yet, ").append(manifest.rejected().size())
        .append(" rejected of ").append(manifest.cells() + manifest.rejected().size())
        .append(" combinations.").append(model.notShownNote()).append("\n\n");
    sb.append('|');
    for (ReportColumns.TableColumn c : ReportColumns.TABLE) {
      sb.append(' ').append(escape(c.header())).append(" |");
    }
    sb.append("\n|");
    sb.append("---|".repeat(ReportColumns.TABLE.size())).append('\n');
    for (ReportRow r : model.rows()) {
      sb.append('|');
      for (String v : ReportColumns.tableRow(r)) {
        sb.append(' ').append(escape(v)).append(" |");
      }
      sb.append('\n');
    }
    if (!manifest.rejected().isEmpty()) {
      sb.append("\n## Combinations not run\n\n");
      for (RejectedCell rc : manifest.rejected()) {
        sb.append("- `").append(rc.id()).append("`: ").append(escape(rc.reason())).append('\n');
      }
    }
    sb.append("\n## Conventions\n\n");
    for (String c : ReportConventions.of(model)) {
      sb.append("- ").append(c).append('\n');
    }
    sb.append("\n## Components\n\n| kind | name | version | origin |\n|---|---|---|---|\n");
    for (ComponentInfo ci : manifest.plugins()) {
      sb.append("| ").append(escape(ci.kind())).append(" | ").append(escape(ci.name())).append(" | ")
          .append(escape(ci.version())).append(" | ").append(escape(ci.origin())).append(" |\n");
    }
    return sb.toString();
  }

  /** @return the text as one table cell or list item: pipes escaped, line breaks as spaces */
  static String escape(String s) {
    return s.replace("|", "\\|").replace("\n", " ");
  }
}
