package io.diffexit.harness.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the reports of a results folder from {@code results.jsonl} and {@code manifest.json}: {@code report.md}
 * (the side-by-side table and the conventions), {@code results.csv} (every number, one row per cell), a
 * self-contained {@code report.html} (inline CSS and SVG, images as data URIs, no external resource; its content
 * security policy forbids loading any) and the standalone plots. The values come from one {@link ReportModel}; each
 * file is one {@link ReportFormat}.
 */
public final class ReportWriter {

  /** Markdown report file name. */
  public static final String MARKDOWN = MarkdownReport.FILE;
  /** CSV file name. */
  public static final String CSV = CsvReport.FILE;
  /** HTML file name. */
  public static final String HTML = HtmlReport.FILE;

  /** Folder of the standalone SVG plots, inside the results folder. */
  public static final String PLOTS = "plots";

  /** The report files, written in this order. */
  private static final List<ReportFormat> FORMATS = List.of(new MarkdownReport(), new CsvReport(), new HtmlReport());

  private ReportWriter() {}

  /**
   * Writes the three reports, and the Pareto plots as standalone SVG files under {@link #PLOTS}, into the results
   * folder.
   *
   * @param dir a results folder with {@code manifest.json} and {@code results.jsonl}
   * @param traits which strategy types run the full model (the baselines of the comparison columns)
   * @throws IllegalArgumentException if the folder has no manifest
   */
  public static void write(Path dir, StrategyTraits traits) {
    ReportModel model = ReportModel.read(dir, traits);
    // Every file is rendered before any is written: a format that fails (say, a missing stylesheet) leaves the
    // previous reports in place rather than a mix of old and new ones.
    Map<Path, byte[]> files = new LinkedHashMap<>();
    for (ReportFormat format : FORMATS) {
      files.put(dir.resolve(format.fileName()), format.render(model).getBytes(StandardCharsets.UTF_8));
    }
    files.forEach(ResultStore::writeAtomically);
    ReportPlots.write(model);
  }
}
