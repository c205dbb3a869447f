package io.diffexit.harness.bench;

import io.diffexit.harness.fidelity.PairedFidelity;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * The columns of the reports, each a header and how its value comes from a {@link ReportRow}: the side-by-side table
 * of {@code report.md} and {@code report.html} (rounded, with units and intervals) and the columns of
 * {@code results.csv} (every number unrounded). A metric added to the results is added here, to both lists.
 */
final class ReportColumns {

  private ReportColumns() {}

  /** What a table column holds, which decides how a failed cell shows it and how HTML aligns it. */
  enum Kind {
    /** Describes the cell (backbone, sampler, strategy, decision): shown for failed cells too. */
    LABEL,
    /** A measurement: "—" for a failed cell, right-aligned in HTML. */
    NUMBER,
    /** Finished, or the failure. */
    STATUS
  }

  /**
   * A column of the side-by-side table.
   *
   * @param header the column header
   * @param kind what it holds
   * @param value its text for a row (for {@link Kind#NUMBER}, called only on finished rows)
   */
  record TableColumn(String header, Kind kind, Function<ReportRow, String> value) {}

  /** The side-by-side table's columns, in order. */
  static final List<TableColumn> TABLE = List.of(
      label("backbone", r -> r.cell().backbone().label()),
      label("sampler", r -> r.cell().sampler().label() + " (" + r.cell().sampler().describe() + ")"),
      label("strategy", r -> r.cell().strategy().label() + " (" + r.cell().strategy().describe() + ")"),
      label("decision", r -> r.cell().decision().label()),
      number("FID", r -> r.result().quality() == null ? "—" : f2(r.result().quality().fid())),
      number("KID", r -> {
        Quality q = r.result().quality();
        return q == null || q.kid() == null ? "—" : String.format(Locale.ROOT, "%.4f", q.kid())
            + (q.kidStd() == null ? "" : String.format(Locale.ROOT, " ± %.4f", q.kidStd()));
      }),
      number("PSNR vs none dB", fidelity(f -> String.format(Locale.ROOT, "%.2f [%.2f–%.2f]", f.psnrMean(),
          f.psnrLow(), f.psnrHigh()))),
      number("SSIM vs none", fidelity(f -> String.format(Locale.ROOT, "%.3f [%.3f–%.3f]", f.ssimMean(),
          f.ssimLow(), f.ssimHigh()))),
      number("GMACs/img", r -> String.format(Locale.ROOT, "%.3f", r.result().macsPerImage() / 1e9)),
      number("GFLOPs/img", r -> String.format(Locale.ROOT, "%.3f", r.result().flopsPerImage() / 1e9)),
      number("MACs saved", compared(c -> String.format(Locale.ROOT, "%.1f%%", c.macsSavedPercent()))),
      number("latency b1 ms/img", r -> latency(r.result().latencyBatch1())),
      number("latency bN ms/img", r -> latency(r.result().latencyLarge()) + " (b"
          + r.result().latencyLarge().batchSize() + ")"),
      number("full passes b1 / bN", r -> passes(r.result().latencyBatch1()) + " / "
          + passes(r.result().latencyLarge())),
      number("time saved b1 / bN", compared(c -> String.format(Locale.ROOT, "%.0f%% / %.0f%%%s",
          c.timeSavedBatch1Percent(), c.timeSavedLargePercent(), c.paced() ? "" : " (ms)"))),
      number("speed-up ÷ MACs red. b1 / bN", compared(c -> f2(c.speedupOverMacsBatch1()) + " / "
          + f2(c.speedupOverMacsLarge()))),
      number("mean exit layer", r -> f2(r.result().meanExitLayer())),
      number("steps reused", r -> r.result().reusedFraction() == null ? "—"
          : String.format(Locale.ROOT, "%.1f%%", 100 * r.result().reusedFraction())),
      new TableColumn("status", Kind.STATUS, r -> r.finished() ? "finished" : "failed: " + r.record().error()));

  /** @return the row's text in every {@link #TABLE} column */
  static List<String> tableRow(ReportRow row) {
    return TABLE.stream()
        .map(c -> c.kind() == Kind.NUMBER && !row.finished() ? "—" : c.value().apply(row))
        .toList();
  }

  /**
   * A column of the CSV.
   *
   * @param name the header, snake_case
   * @param value its value for a row ({@link String#valueOf} of it is written; "" for none)
   */
  record CsvColumn(String name, Function<ReportRow, Object> value) {}

  /** The CSV's columns, in order: the cell, then its measurements (empty for a cell without result), its hash. */
  static final List<CsvColumn> CSV = List.of(
      cell("cell_id", r -> r.record().cellId()),
      cell("status", r -> r.record().status()),
      cell("error", r -> r.record().error() == null ? "" : r.record().error()),
      cell("backbone", r -> r.cell().backbone().label()),
      cell("backbone_type", r -> r.cell().backbone().type()),
      cell("backbone_params", r -> params(r.cell().backbone())),
      cell("sampler", r -> r.cell().sampler().label()),
      cell("sampler_type", r -> r.cell().sampler().type()),
      cell("sampler_params", r -> params(r.cell().sampler())),
      cell("strategy", r -> r.cell().strategy().label()),
      cell("strategy_type", r -> r.cell().strategy().type()),
      cell("strategy_params", r -> params(r.cell().strategy())),
      cell("decision", r -> r.cell().decision().label()),
      quality("fid", q -> num(q.fid())),
      quality("kid", q -> q.kid() == null ? "" : num(q.kid())),
      quality("kid_std", q -> q.kidStd() == null ? "" : num(q.kidStd())),
      quality("fid_extractor", Quality::extractor),
      quality("fid_extractor_sha256", Quality::extractorChecksum),
      quality("fid_samples", Quality::samples),
      quality("reference_split", Quality::referenceSplit),
      quality("fid_floor", q -> q.floorFid() == null ? "" : num(q.floorFid())),
      fidelityNumber("psnr_mean_db", PairedFidelity::psnrMean),
      fidelityNumber("psnr_ci95_low_db", PairedFidelity::psnrLow),
      fidelityNumber("psnr_ci95_high_db", PairedFidelity::psnrHigh),
      fidelityNumber("ssim_mean", PairedFidelity::ssimMean),
      fidelityNumber("ssim_ci95_low", PairedFidelity::ssimLow),
      fidelityNumber("ssim_ci95_high", PairedFidelity::ssimHigh),
      fidelityValue("fidelity_identical_samples", PairedFidelity::identical),
      fidelityValue("fidelity_baseline_cell", PairedFidelity::baselineId),
      result("macs_per_image", m -> num(m.macsPerImage())),
      result("flops_per_image", m -> num(m.flopsPerImage())),
      comparison("macs_saved_percent", c -> num(c.macsSavedPercent())),
      comparison("baseline_cell", Comparison::baselineId),
      result("latency_b1_median_ms", m -> num(m.latencyBatch1().medianMs())),
      result("latency_b1_q1_ms", m -> num(m.latencyBatch1().q1Ms())),
      result("latency_b1_q3_ms", m -> num(m.latencyBatch1().q3Ms())),
      result("latency_b1_repeats", m -> m.latencyBatch1().repeats()),
      result("latency_large_batch", m -> m.latencyLarge().batchSize()),
      result("latency_large_median_ms", m -> num(m.latencyLarge().medianMs())),
      result("latency_large_q1_ms", m -> num(m.latencyLarge().q1Ms())),
      result("latency_large_q3_ms", m -> num(m.latencyLarge().q3Ms())),
      result("latency_large_repeats", m -> m.latencyLarge().repeats()),
      paced("full_passes_b1_median", CellResult::latencyBatch1, Latency.Paced::median),
      paced("full_passes_b1_q1", CellResult::latencyBatch1, Latency.Paced::q1),
      paced("full_passes_b1_q3", CellResult::latencyBatch1, Latency.Paced::q3),
      paced("full_pass_b1_ms", CellResult::latencyBatch1, Latency.Paced::fullPassMs),
      paced("full_passes_large_median", CellResult::latencyLarge, Latency.Paced::median),
      paced("full_passes_large_q1", CellResult::latencyLarge, Latency.Paced::q1),
      paced("full_passes_large_q3", CellResult::latencyLarge, Latency.Paced::q3),
      paced("full_pass_large_ms", CellResult::latencyLarge, Latency.Paced::fullPassMs),
      comparison("time_saved_percent_b1", c -> num(c.timeSavedBatch1Percent())),
      comparison("time_saved_percent_large", c -> num(c.timeSavedLargePercent())),
      comparison("time_compared_by", c -> c.paced() ? "full-passes" : "ms"),
      comparison("speedup_over_macs_reduction_b1", c -> num(c.speedupOverMacsBatch1())),
      comparison("speedup_over_macs_reduction_large", c -> num(c.speedupOverMacsLarge())),
      result("mean_exit_layer", m -> num(m.meanExitLayer())),
      result("reused_fraction", m -> m.reusedFraction() == null ? "" : num(m.reusedFraction())),
      result("peak_cache_bytes", m -> m.peakCacheBytes() == null ? "" : m.peakCacheBytes()),
      result("peak_memory_bytes", CellResult::peakMemoryBytes),
      result("wall_seconds", m -> num(m.wallSeconds())),
      cell("cell_hash", r -> r.record().cellHash()));

  /** @return the row's text in every {@link #CSV} column, unquoted */
  static List<String> csvRow(ReportRow row) {
    return CSV.stream().map(c -> String.valueOf(c.value().apply(row))).toList();
  }

  // ---------------------------------------------------------------- table formatting

  private static TableColumn label(String header, Function<ReportRow, String> value) {
    return new TableColumn(header, Kind.LABEL, value);
  }

  private static TableColumn number(String header, Function<ReportRow, String> value) {
    return new TableColumn(header, Kind.NUMBER, value);
  }

  /** @return the value from the row's comparison with the full model, "—" when it has none */
  private static Function<ReportRow, String> compared(Function<Comparison, String> value) {
    return r -> r.comparison() == null ? "—" : value.apply(r.comparison());
  }

  /** @return the value from the row's PSNR/SSIM against the full model, "—" when it has none (the full model) */
  private static Function<ReportRow, String> fidelity(Function<PairedFidelity, String> value) {
    return r -> r.result().fidelity() == null ? "—" : value.apply(r.result().fidelity());
  }

  private static String latency(Latency l) {
    return String.format(Locale.ROOT, "%.2f [%.2f–%.2f]", l.medianMs(), l.q1Ms(), l.q3Ms());
  }

  private static String passes(Latency l) {
    return l.paced() == null ? "—" : String.format(Locale.ROOT, "%.1f", l.paced().median());
  }

  /** @return two decimals, "—" for NaN or infinity */
  static String f2(double v) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%.2f", v) : "—";
  }

  // ---------------------------------------------------------------- CSV values

  private static CsvColumn cell(String name, Function<ReportRow, Object> value) {
    return new CsvColumn(name, value);
  }

  /** @return a column of the cell's result, empty for a cell without one */
  private static CsvColumn result(String name, Function<CellResult, Object> value) {
    return new CsvColumn(name, r -> r.result() == null ? "" : value.apply(r.result()));
  }

  private static CsvColumn quality(String name, Function<Quality, Object> value) {
    return result(name, m -> m.quality() == null ? "" : value.apply(m.quality()));
  }

  private static CsvColumn fidelityValue(String name, Function<PairedFidelity, Object> value) {
    return result(name, m -> m.fidelity() == null ? "" : value.apply(m.fidelity()));
  }

  private static CsvColumn fidelityNumber(String name, ToDoubleFunction<PairedFidelity> value) {
    return fidelityValue(name, f -> num(value.applyAsDouble(f)));
  }

  /** @return a column of the comparison with the full model, empty for a cell without result or baseline */
  private static CsvColumn comparison(String name, Function<Comparison, Object> value) {
    return new CsvColumn(name, r -> r.result() == null || r.comparison() == null ? "" : value.apply(r.comparison()));
  }

  private static CsvColumn paced(String name, Function<CellResult, Latency> at,
      ToDoubleFunction<Latency.Paced> value) {
    return result(name, m -> at.apply(m).paced() == null ? "" : num(value.applyAsDouble(at.apply(m).paced())));
  }

  private static String params(Component c) {
    return io.diffexit.api.Params.of(c.params()).toString();
  }

  /** @return the number as Java prints a double, empty for NaN or infinity */
  private static String num(double d) {
    return Double.isFinite(d) ? String.valueOf(d) : "";
  }
}
