package io.diffexit.harness.bench;

import java.util.List;

/**
 * {@code results.csv}: one row per reported cell with every {@link ReportColumns#CSV} column, RFC 4180 (CRLF line
 * ends, fields with a comma, quote or line break quoted).
 */
final class CsvReport implements ReportFormat {

  /** File name. */
  static final String FILE = "results.csv";

  @Override
  public String fileName() {
    return FILE;
  }

  @Override
  public String render(ReportModel model) {
    StringBuilder sb = new StringBuilder();
    line(sb, ReportColumns.CSV.stream().map(ReportColumns.CsvColumn::name).toList());
    for (ReportRow r : model.rows()) {
      line(sb, ReportColumns.csvRow(r));
    }
    return sb.toString();
  }

  private static void line(StringBuilder sb, List<String> fields) {
    for (int i = 0; i < fields.size(); i++) {
      sb.append(i == 0 ? "" : ",").append(field(fields.get(i)));
    }
    sb.append("\r\n");
  }

  /** RFC 4180: quote fields with a comma, quote or line break; double the quotes. */
  static String field(String s) {
    if (s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r")) {
      return "\"" + s.replace("\"", "\"\"") + "\"";
    }
    return s;
  }
}
