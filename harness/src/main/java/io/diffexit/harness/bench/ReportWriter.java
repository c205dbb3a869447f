package io.diffexit.harness.bench;

import io.diffexit.harness.fid.KernelDistance;
import io.diffexit.harness.plugins.ComponentInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import io.diffexit.harness.fidelity.PairedFidelity;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Writes the reports of a results folder from {@code results.jsonl} and {@code manifest.json}: {@code report.md}
 * (the side-by-side table and the conventions), {@code results.csv} (every number, one row per cell) and a
 * self-contained {@code report.html} (inline CSS and SVG, images as data URIs, no external resource; its content
 * security policy forbids loading any).
 */
public final class ReportWriter {

  /** Report file names. */
  public static final String MARKDOWN = "report.md";
  /** CSV file name. */
  public static final String CSV = "results.csv";
  /** HTML file name. */
  public static final String HTML = "report.html";

  /** Folder of the standalone SVG plots, inside the results folder. */
  public static final String PLOTS = "plots";

  private static final int HEATMAP_COLUMNS = 100;

  private final Path dir;
  private final Manifest manifest;
  private final List<CellRecord> records;
  private final Map<String, Comparison> comparisons;
  /** Records in results.jsonl of cells no longer in the grid, or run with other settings: kept, not reported. */
  private int notShown;

  private ReportWriter(Path dir, Manifest manifest, List<CellRecord> records, StrategyTraits traits) {
    this.dir = dir;
    this.manifest = manifest;
    this.records = groupOrder(records);
    this.comparisons = Comparison.of(records, traits);
  }

  /**
   * Writes the three reports, and the Pareto plots as standalone SVG files under {@link #PLOTS}, into the results
   * folder.
   *
   * @param dir a results folder with {@code manifest.json} and {@code results.jsonl}
   * @param traits which strategy types run the full model (the baselines of the comparison columns)
   * @throws IllegalArgumentException if the folder has no manifest
   */
  public static void write(Path dir, StrategyTraits traits) {
    Manifest manifest = ResultStore.readManifest(dir).orElseThrow(() -> new IllegalArgumentException(
        "no " + ResultStore.MANIFEST + " in " + dir + "; run diffexit bench on the experiment first"));
    List<CellRecord> all = ResultStore.readLatest(dir);
    ReportWriter w = new ReportWriter(dir, manifest, manifest.current(all), traits);
    w.notShown = all.size() - w.records.size();
    ResultStore.writeAtomically(dir.resolve(MARKDOWN), w.markdown().getBytes(StandardCharsets.UTF_8));
    ResultStore.writeAtomically(dir.resolve(CSV), w.csv().getBytes(StandardCharsets.UTF_8));
    ResultStore.writeAtomically(dir.resolve(HTML), w.html().getBytes(StandardCharsets.UTF_8));
    w.writePlots();
  }

  /**
   * Writes each backbone/sampler group's two Pareto plots as standalone SVG files ({@code plots/B-S-fid-vs-gflops.svg}
   * and {@code plots/B-S-fid-vs-latency-b1.svg} for backbone id B and sampler id S), with their styles inlined, for
   * READMEs and papers that cannot embed the HTML report.
   */
  private void writePlots() {
    Map<String, List<CellRecord>> groups = byGroup(records);
    Path plots = dir.resolve(PLOTS);
    try {
      Files.createDirectories(plots);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + plots + ": " + e.getMessage(), e);
    }
    for (Map.Entry<String, List<CellRecord>> g : groups.entrySet()) {
      Cell first = g.getValue().get(0).cell();
      String slug = (first.backbone().id() + "-" + first.sampler().id()).replaceAll("[^A-Za-z0-9._-]+", "-");
      ResultStore.writeAtomically(plots.resolve(slug + "-fid-vs-gflops.svg"),
          standalone(paretoFlops(g.getKey(), g.getValue())).getBytes(StandardCharsets.UTF_8));
      ResultStore.writeAtomically(plots.resolve(slug + "-fid-vs-latency-b1.svg"),
          standalone(paretoLatency(g.getKey(), g.getValue())).getBytes(StandardCharsets.UTF_8));
      String figure = sideBySide(g.getKey(), g.getValue());
      if (figure != null) {
        ResultStore.writeAtomically(plots.resolve(slug + "-side-by-side.svg"), figure.getBytes(StandardCharsets.UTF_8));
      }
    }
  }

  /** Samples shown per row of the side-by-side figure. */
  static final int SIDE_BY_SIDE_COLUMNS = 8;

  /**
   * @return the group's side-by-side figure (the first {@link #SIDE_BY_SIDE_COLUMNS} samples, or as many as every row
   *     has, of every finished cell whose saved samples are present, the full model first), or null when fewer than
   *     two cells have them
   */
  private String sideBySide(String group, List<CellRecord> cells) {
    List<SideBySideFigure.Row> rows = new ArrayList<>();
    for (CellRecord r : cells) {
      if (!r.finished() || r.result().samplesFile() == null) {
        continue;
      }
      Path file = dir.resolve(r.result().samplesFile());
      if (!Files.isRegularFile(file)) {
        continue;
      }
      io.diffexit.harness.fidelity.SavedSamples s = io.diffexit.harness.fidelity.SavedSamples.read(file);
      Comparison cmp = comparisons.get(r.cellId());
      String label = plotLabel(r.cell().strategy().label())
          + (cmp == null ? "" : String.format(Locale.ROOT, " · %.0f%% MACs saved", cmp.macsSavedPercent()))
          + (r.result().quality() == null ? "" : String.format(Locale.ROOT, " · FID %.1f", r.result().quality().fid()));
      SideBySideFigure.Row row = new SideBySideFigure.Row(label, s);
      if (cmp != null && cmp.baselineId().equals(r.cellId())) {
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

  /** @return the chart with the report's SVG styles and a white background inside it, or the text when no chart */
  private static String standalone(String chart) {
    if (!chart.startsWith("<svg")) {
      return "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 460 40\" width=\"460\" height=\"40\">"
          + "<text x=\"8\" y=\"24\" font-size=\"12\">" + html(chart.replaceAll("<[^>]+>", "")) + "</text></svg>\n";
    }
    StringBuilder style = new StringBuilder("<style>text{font-family:system-ui,sans-serif}");
    for (String rule : CSS.split("\n")) {
      if (rule.startsWith("svg ")) {
        style.append(rule);
      }
    }
    style.append("</style><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>");
    int open = chart.indexOf('>') + 1;
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + chart.substring(0, open) + style + chart.substring(open)
        + "\n";
  }

  private static String paretoFlops(String group, List<CellRecord> cells) {
    return SvgCharts.pareto(
        "FID vs GFLOPs per image — " + group, "GFLOPs per image", "FID", paretoPoints(cells, Axis.GFLOPS));
  }

  /** Batch-1 time in full passes when every plotted cell has it (drift-free), else in milliseconds. */
  private static String paretoLatency(String group, List<CellRecord> cells) {
    boolean paced = cells.stream().filter(r -> r.finished() && r.result().quality() != null)
        .allMatch(r -> r.result().latencyBatch1().paced() != null);
    return SvgCharts.pareto("FID vs latency (batch 1) — " + group,
        paced ? "time per image in full passes, batch 1" : "ms per image, batch 1", "FID",
        paretoPoints(cells, paced ? Axis.PASSES_B1 : Axis.MS_B1));
  }

  private enum Axis { GFLOPS, MS_B1, PASSES_B1 }

  /** @return one point per finished cell with a FID: x = GFLOPs per image, or its median batch-1 time */
  private static List<SvgCharts.Point> paretoPoints(List<CellRecord> cells, Axis axis) {
    List<SvgCharts.Point> out = new ArrayList<>();
    for (CellRecord r : cells) {
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

  /** Keeps cells of one backbone and sampler together, in order of first appearance. */
  private static List<CellRecord> groupOrder(List<CellRecord> records) {
    List<CellRecord> out = new ArrayList<>();
    byGroup(records).values().forEach(out::addAll);
    return out;
  }

  /** @return the records by backbone/sampler group ({@link Cell#groupKey()}), groups in order of first appearance */
  private static Map<String, List<CellRecord>> byGroup(List<CellRecord> records) {
    Map<String, List<CellRecord>> groups = new LinkedHashMap<>();
    for (CellRecord r : records) {
      groups.computeIfAbsent(r.cell().groupKey(), k -> new ArrayList<>()).add(r);
    }
    return groups;
  }

  // ---------------------------------------------------------------- table cells

  private static final String[] HEADER = {
    "backbone", "sampler", "strategy", "decision", "FID", "KID", "PSNR vs none dB", "SSIM vs none", "GMACs/img", "GFLOPs/img", "MACs saved",
    "latency b1 ms/img", "latency bN ms/img", "full passes b1 / bN", "time saved b1 / bN",
    "speed-up ÷ MACs red. b1 / bN", "mean exit layer", "steps reused", "status"
  };

  private List<String> row(CellRecord r) {
    Cell c = r.cell();
    List<String> out = new ArrayList<>();
    out.add(c.backbone().label());
    out.add(c.sampler().label() + " (" + c.sampler().describe() + ")");
    out.add(c.strategy().label() + " (" + c.strategy().describe() + ")");
    out.add(c.decision().label());
    if (!r.finished()) {
      for (int i = out.size(); i < HEADER.length - 1; i++) {
        out.add("—");
      }
      out.add("failed: " + r.error());
      return out;
    }
    CellResult m = r.result();
    Comparison cmp = comparisons.get(r.cellId());
    out.add(m.quality() == null ? "—" : f2(m.quality().fid()));
    out.add(m.quality() == null || m.quality().kid() == null ? "—"
        : String.format(Locale.ROOT, "%.4f", m.quality().kid())
            + (m.quality().kidStd() == null ? "" : String.format(Locale.ROOT, " ± %.4f", m.quality().kidStd())));
    PairedFidelity fid = m.fidelity();
    out.add(fid == null ? "—" : String.format(Locale.ROOT, "%.2f [%.2f–%.2f]", fid.psnrMean(), fid.psnrLow(),
        fid.psnrHigh()));
    out.add(fid == null ? "—" : String.format(Locale.ROOT, "%.3f [%.3f–%.3f]", fid.ssimMean(), fid.ssimLow(),
        fid.ssimHigh()));
    out.add(String.format(Locale.ROOT, "%.3f", m.macsPerImage() / 1e9));
    out.add(String.format(Locale.ROOT, "%.3f", m.flopsPerImage() / 1e9));
    out.add(cmp == null ? "—" : String.format(Locale.ROOT, "%.1f%%", cmp.macsSavedPercent()));
    out.add(latency(m.latencyBatch1()));
    out.add(latency(m.latencyLarge()) + " (b" + m.latencyLarge().batchSize() + ")");
    out.add(passes(m.latencyBatch1()) + " / " + passes(m.latencyLarge()));
    out.add(cmp == null ? "—" : String.format(Locale.ROOT, "%.0f%% / %.0f%%%s", cmp.timeSavedBatch1Percent(),
        cmp.timeSavedLargePercent(), cmp.paced() ? "" : " (ms)"));
    out.add(cmp == null ? "—" : f2(cmp.speedupOverMacsBatch1()) + " / " + f2(cmp.speedupOverMacsLarge()));
    out.add(Double.isFinite(m.meanExitLayer()) ? f2(m.meanExitLayer()) : "—");
    out.add(m.reusedFraction() == null ? "—" : String.format(Locale.ROOT, "%.1f%%", 100 * m.reusedFraction()));
    out.add("finished");
    return out;
  }

  private static String latency(Latency l) {
    return String.format(Locale.ROOT, "%.2f [%.2f–%.2f]", l.medianMs(), l.q1Ms(), l.q3Ms());
  }

  private static String passes(Latency l) {
    return l.paced() == null ? "—" : String.format(Locale.ROOT, "%.1f", l.paced().median());
  }

  private static String f2(double v) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%.2f", v) : "—";
  }

  // ---------------------------------------------------------------- conventions

  private List<String> conventions() {
    List<String> out = new ArrayList<>();
    out.add("MACs are counted analytically per generated image over all sampler steps, from the batch sizes actually "
        + "executed: every linear and convolution, the attention matmuls, skip linears, every exit head evaluated and "
        + "the strategy's own work. FLOPs = 2 × MACs. G = 10⁹.");
    out.add("MACs saved = 100 × (1 − MACs / MACs of the `none` cell of the same backbone and sampler).");
    CellResult any = firstFinished();
    out.add("Latency: wall-clock per image (run time of one batch through the whole sampler ÷ batch size), median "
        + "[Q1–Q3], on CPU: " + (any == null ? "at batch 1 and at the large batch"
            : protocol(any.latencyBatch1()) + "; " + protocol(any.latencyLarge()))
        + ". When the experiment samples at its large batch, the timed large-batch repeats are the FID sampling "
        + "run's own full batches (the first one, which also records certainty maps, untimed).");
    out.add("Full passes: each timed run is followed by one full-depth call of the backbone at the same batch size "
        + "(every block and the final head; mean of the calls made in 50 ms, at least one), which measures how fast the machine was at that "
        + "moment; a run's time ÷ that call's time is its cost in full passes (a `none` cell of an S-step sampler "
        + "costs about S), median over the repeats. Machine speed on a shared VM drifts by up to 2× within minutes, "
        + "so cells timed minutes apart are compared in full passes, not in milliseconds.");
    out.add("Time saved = 100 × (1 − time / time of `none`) and speed-up ÷ MACs reduction = (time of `none` ÷ time) ÷ "
        + "(MACs of `none` ÷ MACs), from median full passes (from median milliseconds where a cell was not paced, "
        + "marked \"(ms)\"): 1 means wall-clock fell in proportion to MACs; below 1, overheads (exit heads, "
        + "strategy, batch compaction, per-op cost) ate part of the saving.");
    out.add("Mean exit layer: 1-based layer of the exit point used, averaged over all samples and steps (a sample that "
        + "reused a step-reuse cache counts the head that gave its ε). Steps reused: the share of (step, sample) pairs "
        + "that reused a cache (a skipped call, a resumed pass or a substituted head); the CSV gives the cache's peak "
        + "bytes.");
    Set<String> fid = new LinkedHashSet<>();
    for (CellRecord r : records) {
      if (r.finished() && r.result().quality() != null) {
        Quality q = r.result().quality();
        fid.add("extractor " + q.extractor() + " (sha256 " + abbreviate(q.extractorChecksum()) + "), " + q.samples()
            + " samples per cell, reference split " + q.referenceSplit()
            + (q.floorFid() == null ? "" : String.format(Locale.ROOT, "; floor %.2f (FID of %d real %s images)",
                q.floorFid(), q.samples(), q.floorSplit())));
      }
    }
    out.add("FID/KID: " + (fid.isEmpty() ? "not measured" : String.join("; ", fid))
        + ". Every cell starts from the same initial noise (seed " + manifest.seed() + "), so cells are paired. "
        + "FID from few samples is biased upwards; compare only within one extractor and sample count. KID is the "
        + "unbiased MMD² with the cubic kernel (xᵀy/d + 1)³ on the same features, on torch-fidelity's and clean-fid's "
        + "scale (raw, not ×10³; 0 for identical distributions), mean ± std over " + KernelDistance.DEFAULT_SUBSETS
        + " subsets of up to " + KernelDistance.DEFAULT_SUBSET_SIZE + " samples per side.");
    out.add("PSNR/SSIM vs none: each sample against the sample of the full-model cell (`none` on the backbone's own "
        + "checkpoint, same backbone and sampler) from the same initial noise, on the 8-bit images as saved; "
        + "mean [95% interval of the mean, ±1.96·s/√n]. PSNR = 10·log10(255²/MSE), identical images count as "
        + "100 dB; SSIM as scikit-image with a Gaussian window (σ 1.5, 11×11, K1 0.01, K2 0.03, 5-pixel border "
        + "cropped). Higher is closer to the full model; the full model's own row shows —.");
    out.add("Decision mode: per-sample exits compact the batch; per-batch exits (official AdaDiff code) depend on "
        + "the batch composition.");
    out.add("Machine: " + manifest.cpuModel() + ", " + manifest.cores() + " cores, " + manifest.threads()
        + " threads, GPU " + manifest.gpu() + ", " + manifest.os() + ", " + manifest.jvm() + ".");
    if (manifest.engine() != null && !manifest.engine().equals("in-process")) {
      out.add("Engine: " + manifest.engine() + "; latency timed in separate runs, one per executor at a time.");
    }
    out.add("Run: git " + manifest.gitCommit() + ", config sha256 " + abbreviate(manifest.configHash())
        + ", started " + manifest.startedAt() + ", diffexit " + manifest.diffexitVersion()
        + (manifest.overrides().isEmpty() ? "" : ", --set " + String.join(" --set ", manifest.overrides())) + ".");
    return out;
  }

  private CellResult firstFinished() {
    for (CellRecord r : records) {
      if (r.finished()) {
        return r.result();
      }
    }
    return null;
  }

  private static String protocol(Latency l) {
    return "batch " + l.batchSize() + ", " + l.repeats() + " timed repeats after " + l.warmup() + " warm-up run"
        + (l.warmup() == 1 ? "" : "s");
  }

  private static String abbreviate(String hash) {
    return hash == null || hash.length() <= 12 ? String.valueOf(hash) : hash.substring(0, 12);
  }

  // ---------------------------------------------------------------- markdown

  private String notShownNote() {
    return notShown == 0 ? "" : " " + notShown + (notShown == 1 ? " earlier result" : " earlier results")
        + " of cells no longer in the experiment (or run with other settings) " + (notShown == 1 ? "is" : "are")
        + " kept in " + ResultStore.RESULTS + " and not shown.";
  }

  String markdown() {
    StringBuilder sb = new StringBuilder();
    sb.append("# Benchmark: ").append(manifest.experiment()).append("\n\n");
    long finished = records.stream().filter(CellRecord::finished).count();
    sb.append(finished).append(" finished, ").append(records.size() - finished).append(" failed, ")
        .append(manifest.cells() - records.size()).append(" not run yet, ").append(manifest.rejected().size())
        .append(" rejected of ").append(manifest.cells() + manifest.rejected().size())
        .append(" combinations.").append(notShownNote()).append("\n\n");
    sb.append('|');
    for (String h : HEADER) {
      sb.append(' ').append(md(h)).append(" |");
    }
    sb.append("\n|");
    sb.append("---|".repeat(HEADER.length)).append('\n');
    for (CellRecord r : records) {
      sb.append('|');
      for (String v : row(r)) {
        sb.append(' ').append(md(v)).append(" |");
      }
      sb.append('\n');
    }
    if (!manifest.rejected().isEmpty()) {
      sb.append("\n## Combinations not run\n\n");
      for (RejectedCell rc : manifest.rejected()) {
        sb.append("- `").append(rc.id()).append("`: ").append(md(rc.reason())).append('\n');
      }
    }
    sb.append("\n## Conventions\n\n");
    for (String c : conventions()) {
      sb.append("- ").append(c).append('\n');
    }
    sb.append("\n## Components\n\n| kind | name | version | origin |\n|---|---|---|---|\n");
    for (ComponentInfo ci : manifest.plugins()) {
      sb.append("| ").append(md(ci.kind())).append(" | ").append(md(ci.name())).append(" | ")
          .append(md(ci.version())).append(" | ").append(md(ci.origin())).append(" |\n");
    }
    return sb.toString();
  }

  private static String md(String s) {
    return s.replace("|", "\\|").replace("\n", " ");
  }

  // ---------------------------------------------------------------- CSV

  private static final String[] CSV_HEADER = {
    "cell_id", "status", "error", "backbone", "backbone_type", "backbone_params", "sampler", "sampler_type",
    "sampler_params", "strategy", "strategy_type", "strategy_params", "decision", "fid", "kid", "kid_std",
    "fid_extractor", "fid_extractor_sha256", "fid_samples", "reference_split", "fid_floor", "psnr_mean_db", "psnr_ci95_low_db",
    "psnr_ci95_high_db", "ssim_mean", "ssim_ci95_low", "ssim_ci95_high", "fidelity_identical_samples",
    "fidelity_baseline_cell", "macs_per_image", "flops_per_image",
    "macs_saved_percent", "baseline_cell", "latency_b1_median_ms", "latency_b1_q1_ms", "latency_b1_q3_ms",
    "latency_b1_repeats", "latency_large_batch", "latency_large_median_ms", "latency_large_q1_ms",
    "latency_large_q3_ms", "latency_large_repeats", "full_passes_b1_median", "full_passes_b1_q1",
    "full_passes_b1_q3", "full_pass_b1_ms", "full_passes_large_median", "full_passes_large_q1",
    "full_passes_large_q3", "full_pass_large_ms", "time_saved_percent_b1", "time_saved_percent_large",
    "time_compared_by", "speedup_over_macs_reduction_b1", "speedup_over_macs_reduction_large", "mean_exit_layer", "reused_fraction", "peak_cache_bytes", "peak_memory_bytes", "wall_seconds", "cell_hash"
  };

  String csv() {
    StringBuilder sb = new StringBuilder(String.join(",", CSV_HEADER)).append("\r\n");
    for (CellRecord r : records) {
      Cell c = r.cell();
      List<Object> v = new ArrayList<>(List.of(r.cellId(), r.status(), r.error() == null ? "" : r.error(),
          c.backbone().label(), c.backbone().type(), params(c.backbone()), c.sampler().label(), c.sampler().type(),
          params(c.sampler()), c.strategy().label(), c.strategy().type(), params(c.strategy()),
          c.decision().label()));
      CellResult m = r.result();
      if (m == null) {
        for (int i = v.size(); i < CSV_HEADER.length - 1; i++) {
          v.add("");
        }
      } else {
        Quality q = m.quality();
        Comparison cmp = comparisons.get(r.cellId());
        v.add(q == null ? "" : num(q.fid()));
        v.add(q == null || q.kid() == null ? "" : num(q.kid()));
        v.add(q == null || q.kidStd() == null ? "" : num(q.kidStd()));
        v.add(q == null ? "" : q.extractor());
        v.add(q == null ? "" : q.extractorChecksum());
        v.add(q == null ? "" : q.samples());
        v.add(q == null ? "" : q.referenceSplit());
        v.add(q == null || q.floorFid() == null ? "" : num(q.floorFid()));
        PairedFidelity fid = m.fidelity();
        for (double x : fid == null ? new double[6] : new double[] {fid.psnrMean(), fid.psnrLow(), fid.psnrHigh(),
            fid.ssimMean(), fid.ssimLow(), fid.ssimHigh()}) {
          v.add(fid == null ? "" : num(x));
        }
        v.add(fid == null ? "" : fid.identical());
        v.add(fid == null ? "" : fid.baselineId());
        v.add(num(m.macsPerImage()));
        v.add(num(m.flopsPerImage()));
        v.add(cmp == null ? "" : num(cmp.macsSavedPercent()));
        v.add(cmp == null ? "" : cmp.baselineId());
        for (Latency l : List.of(m.latencyBatch1(), m.latencyLarge())) {
          if (l == m.latencyLarge()) {
            v.add(l.batchSize());
          }
          v.add(num(l.medianMs()));
          v.add(num(l.q1Ms()));
          v.add(num(l.q3Ms()));
          v.add(l.repeats());
        }
        for (Latency l : List.of(m.latencyBatch1(), m.latencyLarge())) {
          Latency.Paced p = l.paced();
          v.add(p == null ? "" : num(p.median()));
          v.add(p == null ? "" : num(p.q1()));
          v.add(p == null ? "" : num(p.q3()));
          v.add(p == null ? "" : num(p.fullPassMs()));
        }
        v.add(cmp == null ? "" : num(cmp.timeSavedBatch1Percent()));
        v.add(cmp == null ? "" : num(cmp.timeSavedLargePercent()));
        v.add(cmp == null ? "" : cmp.paced() ? "full-passes" : "ms");
        v.add(cmp == null ? "" : num(cmp.speedupOverMacsBatch1()));
        v.add(cmp == null ? "" : num(cmp.speedupOverMacsLarge()));
        v.add(num(m.meanExitLayer()));
        v.add(m.reusedFraction() == null ? "" : num(m.reusedFraction()));
        v.add(m.peakCacheBytes() == null ? "" : m.peakCacheBytes());
        v.add(m.peakMemoryBytes());
        v.add(num(m.wallSeconds()));
      }
      v.add(r.cellHash());
      for (int i = 0; i < v.size(); i++) {
        sb.append(i == 0 ? "" : ",").append(csvField(String.valueOf(v.get(i))));
      }
      sb.append("\r\n");
    }
    return sb.toString();
  }

  private static String params(Component c) {
    return io.diffexit.api.Params.of(c.params()).toString();
  }

  private static String num(double d) {
    return Double.isFinite(d) ? String.valueOf(d) : "";
  }

  /** RFC 4180: quote fields with a comma, quote or line break; double the quotes. */
  static String csvField(String s) {
    if (s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r")) {
      return "\"" + s.replace("\"", "\"\"") + "\"";
    }
    return s;
  }

  // ---------------------------------------------------------------- HTML

  private static final String CSS = String.join("\n",
      "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1400px}",
      "h1{font-size:22px}h2{font-size:18px;margin-top:32px}h3{font-size:15px}",
      "table{border-collapse:collapse;font-size:12px}th,td{border:1px solid #ccc;padding:3px 5px;text-align:left;"
          + "vertical-align:top}th{background:#f2f2f2}"
          + "td.num{text-align:right;font-variant-numeric:tabular-nums}",
      // long component specs (checkpoint paths) wrap anywhere; words elsewhere stay whole
      ".wide{overflow-x:auto;max-width:100%}#results td:nth-child(2),#results td:nth-child(3){min-width:110px;"
          + "max-width:230px;overflow-wrap:anywhere}",
      "tr.failed td{background:#fde8e8;color:#8a1c1c}",
      ".plots,.cells{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}",
      ".cell{border:1px solid #ddd;padding:8px;max-width:480px}",
      "svg text.title{font-size:13px;font-weight:600}svg text.tick{font-size:10px;fill:#444}",
      "svg text.axis{font-size:11px}svg text.point{font-size:9px;fill:#333}",
      "svg .frame{fill:none;stroke:#999}svg .grid{stroke:#eee}",
      "svg .front{fill:none;stroke:#888;stroke-dasharray:4 3}svg .mean{fill:none;stroke:#D55E00;stroke-width:1.5}",
      ".legend span{margin-right:12px}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px}",
      "img.samples{image-rendering:pixelated;width:100%;max-width:460px}img.certainty{image-rendering:pixelated;"
          + "width:140px;margin-right:6px}",
      ".note{color:#666}.missing{color:#8a1c1c}footer li{margin-bottom:4px}");

  String html() {
    StringBuilder sb = new StringBuilder();
    sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    sb.append("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
        + "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">");
    sb.append("<title>diffexit benchmark: ").append(html(manifest.experiment())).append("</title>");
    sb.append("<style>").append(CSS).append("</style></head><body>\n");
    sb.append("<h1>Benchmark: ").append(html(manifest.experiment())).append("</h1>\n");
    long finished = records.stream().filter(CellRecord::finished).count();
    sb.append("<p>").append(finished).append(" finished, ").append(records.size() - finished).append(" failed, ")
        .append(manifest.cells() - records.size()).append(" not run yet, ").append(manifest.rejected().size())
        .append(" rejected.").append(html(notShownNote())).append("</p>\n");
    // In a scrolling box: a table wider than the window scrolls by itself instead of pushing the page sideways.
    sb.append("<div class=\"wide\"><table id=\"results\"><thead><tr>");
    for (String h : HEADER) {
      sb.append("<th>").append(html(h)).append("</th>");
    }
    sb.append("</tr></thead><tbody>\n");
    for (CellRecord r : records) {
      sb.append(r.finished() ? "<tr>" : "<tr class=\"failed\">");
      List<String> row = row(r);
      for (int i = 0; i < row.size(); i++) {
        sb.append(i >= 4 && i < HEADER.length - 1 ? "<td class=\"num\">" : "<td>").append(html(row.get(i)))
            .append("</td>");
      }
      sb.append("</tr>\n");
    }
    sb.append("</tbody></table></div>\n");
    if (!manifest.rejected().isEmpty()) {
      sb.append("<h2>Combinations not run</h2><ul>");
      for (RejectedCell rc : manifest.rejected()) {
        sb.append("<li><code>").append(html(rc.id())).append("</code>: ").append(html(rc.reason())).append("</li>");
      }
      sb.append("</ul>\n");
    }
    sb.append("<h2>Quality against cost (Pareto fronts; lower-left is better)</h2>\n");
    Map<String, List<CellRecord>> groups = byGroup(records);
    for (Map.Entry<String, List<CellRecord>> g : groups.entrySet()) {
      sb.append("<h3>").append(html(g.getKey())).append("</h3>");
      sb.append(SvgCharts.legend(paretoPoints(g.getValue(), Axis.GFLOPS)));
      sb.append("<div class=\"plots\">");
      sb.append(paretoFlops(g.getKey(), g.getValue()));
      sb.append(paretoLatency(g.getKey(), g.getValue()));
      sb.append("</div>\n");
    }
    sb.append("<h2>Cells: exit layer by timestep, samples, certainty maps</h2>\n<div class=\"cells\">");
    for (CellRecord r : records) {
      sb.append("<div class=\"cell\"><h3>").append(html(r.cellId())).append("</h3>");
      if (!r.finished()) {
        sb.append("<p class=\"missing\">failed: ").append(html(r.error())).append("</p></div>");
        continue;
      }
      CellResult m = r.result();
      sb.append(SvgCharts.exitHeatmap("share of samples exiting at each layer, per step", m, HEATMAP_COLUMNS));
      sb.append("<p class=\"note\">white 0% → dark blue 100% of the step's samples; mean exit layer ")
          .append(Double.isFinite(m.meanExitLayer()) ? f2(m.meanExitLayer()) : "—").append(", decision ")
          .append(html(m.decisionMode())).append(", peak memory ")
          .append(String.format(Locale.ROOT, "%.0f MiB", m.peakMemoryBytes() / 1048576.0)).append(", wall time ")
          .append(String.format(Locale.ROOT, "%.1f s", m.wallSeconds())).append(".</p>");
      double[] gmacs = new double[m.macsByStep().length];
      for (int i = 0; i < gmacs.length; i++) {
        gmacs[i] = m.macsByStep()[i] / 1e9;
      }
      sb.append(SvgCharts.perStep("GMACs per image at each step", "GMACs per image", gmacs));
      if (m.sampleGrid() != null) {
        sb.append(image(m.sampleGrid(), "samples", "samples of " + r.cellId()));
      }
      if (!m.certaintyMaps().isEmpty()) {
        sb.append("<p>certainty maps:</p>");
        for (String p : m.certaintyMaps()) {
          sb.append(image(p, "certainty", "certainty map " + p));
        }
      }
      sb.append("</div>");
    }
    sb.append("</div>\n<footer><h2>Conventions and machine</h2><ul>");
    for (String c : conventions()) {
      sb.append("<li>").append(html(c).replaceAll("`([^`]*)`", "<code>$1</code>")).append("</li>");
    }
    sb.append("</ul><h3>Components</h3><table id=\"components\"><thead><tr><th>kind</th><th>name</th><th>version</th>"
        + "<th>origin</th></tr></thead><tbody>");
    for (ComponentInfo ci : manifest.plugins()) {
      sb.append("<tr><td>").append(html(ci.kind())).append("</td><td>").append(html(ci.name())).append("</td><td>")
          .append(html(ci.version())).append("</td><td>").append(html(ci.origin())).append("</td></tr>");
    }
    sb.append("</tbody></table></footer>\n");
    // Marks that the page was parsed and scripted to the end; the headless browser test reads it from the DOM.
    sb.append("<script>(function(){var t=document.getElementById('results');"
        + "document.body.setAttribute('data-rendered',t&&t.tBodies[0].rows.length>0?'table':'empty');})();</script>");
    sb.append("\n</body></html>\n");
    return sb.toString();
  }

  private String image(String relative, String cls, String alt) {
    Path p = dir.resolve(relative).normalize();
    try {
      byte[] bytes = Files.readAllBytes(p);
      if (bytes.length < 8 || (bytes[0] & 0xff) != 0x89 || bytes[1] != 'P' || bytes[2] != 'N' || bytes[3] != 'G') {
        return "<p class=\"missing\">not a PNG: " + html(relative) + "</p>";
      }
      return "<img class=\"" + cls + "\" alt=\"" + html(alt) + "\" src=\"data:image/png;base64,"
          + Base64.getEncoder().encodeToString(bytes) + "\">";
    } catch (IOException e) {
      return "<p class=\"missing\">missing image: " + html(relative) + "</p>";
    }
  }

  /** @return text escaped for HTML content and attribute values */
  static String html(String s) {
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
