package io.diffexit.harness.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reports from a synthetic run of {@link Fixtures#WITH_FAILURE}. Hand values for {@code uvit/ddim10/fixed[layer=7]}
 * (10 steps, 1e6 embed + 1e7 per layer MACs per step): MACs = 10 × (1e6 + 7e7) = 7.1e8; the {@code none} cell
 * 10 × (1e6 + 13e7) = 1.31e9; saved = 100 × (1 − 7.1/13.1) = 45.80%; latency b1 observations 7.1 × {0.9, 1, 1.1, 1,
 * 1.2} ms → median 7.10, Q1 7.10, Q3 7.81; large batch 3.55 × {1, 1, 1, 0.8, 1.1} → 3.55 [3.55–3.55]; a full pass
 * costs 1.31e8 MACs, so the cell costs 7.1/1.31 = 5.42 full passes and {@code none} 13.1/1.31 = 10; time saved 46%,
 * speed-up ÷ MACs reduction = 1.00 (the {@code none} cell ran on a 1.5× slower machine: in milliseconds it would be
 * 1.50); FID = 10 + (13 − 7) = 16. Its saved images are all 106 against {@code none}'s 100: PSNR = 20·log10(255/6)
 * = 32.57 dB; SSIM of constant images = (2·100·106 + C1) / (100² + 106² + C1) with C1 = 2.55², = 0.998; every sample
 * the same, so the intervals have zero width.
 */
class ReportWriterTest {

  @TempDir Path dir;

  @Test
  void markdownTableHasHandComputedValuesFailuresRejectionsAndConventions() throws Exception {
    Fixtures.benchAndReport(dir);
    String md = Files.readString(dir.resolve(ReportWriter.MARKDOWN));
    assertThat(md).startsWith("# Benchmark: small\n\n11 finished, 2 failed, 0 not run yet, 1 rejected of 14 combinations.");
    assertThat(md).contains("| backbone | sampler | strategy | decision | FID | KID | PSNR vs none dB | SSIM vs none | GMACs/img | GFLOPs/img | MACs saved "
        + "| latency b1 ms/img | latency bN ms/img | full passes b1 / bN | time saved b1 / bN "
        + "| speed-up ÷ MACs red. b1 / bN | mean exit layer | steps reused | status |");
    assertThat(md).contains("| uvit | ddim10 (ddim:steps=10) | fixed[layer=7] (fixed:layer=7) | per-sample | 16.00 "
        + "| 0.0100 ± 0.0010 | 32.57 [32.57–32.57] | 0.998 [0.998–0.998] | 0.710 | 1.420 | 45.8% | 7.10 [7.10–7.81] | 3.55 [3.55–3.55] (b8) | 5.4 / 5.4 | 46% / 46% "
        + "| 1.00 / 1.00 | 7.00 | 0.0% | finished |");
    assertThat(md).contains("| uvit | ddim10 (ddim:steps=10) | none (none) | per-sample | 10.00 | 0.0100 ± 0.0010 "
        + "| — | — | 1.310 | 2.620 | 0.0% |");
    assertThat(md).contains("| uvit | ddim10 (ddim:steps=10) | boom (boom) | per-sample | — | — | — | — | — | — | — | — | — | — "
        + "| — | — | — | — | failed: IllegalStateException: strategy 'boom' exploded |");
    assertThat(md).contains("- `uvit/dpm5/f3`: strategy 'f3' requires sampler [ddim10], not 'dpm5'");
    assertThat(md).contains("FLOPs = 2 × MACs");
    assertThat(md).contains("FID/KID: extractor synthetic (sha256 abababababab), 4 samples per cell, reference split test.");
    assertThat(md).contains("median [Q1–Q3], on CPU: batch 1, 5 timed repeats after 2 warm-up runs; batch 8, 5 timed "
        + "repeats after 2 warm-up runs.");
    assertThat(md).contains("KID is the unbiased MMD² with the cubic kernel (xᵀy/d + 1)³ on the same features, on"
        + " torch-fidelity's and clean-fid's scale (raw, not ×10³; 0 for identical distributions), mean ± std over 100"
        + " subsets of up to 1000 samples per side.");
    assertThat(md).contains("threads, GPU none,");
    assertThat(md).contains("| strategy | deediff | 0.1.0-SNAPSHOT | built-in |");
  }

  @Test
  void aReportOfCellsMeasuredBeforeTheManifestsRunSaysSo() throws Exception {
    Fixtures.benchAndReport(dir);
    assertThat(Files.readString(dir.resolve(ReportWriter.MARKDOWN))).doesNotContain("measured by an earlier run");

    // a later invocation resumed every cell and wrote its own manifest (another thread count, a day later)
    Manifest m;
    try (ResultStore store = ResultStore.open(dir)) {
      m = store.manifest().orElseThrow();
      store.writeManifest(new Manifest(m.experiment(), m.configHash(), m.config(), m.overrides(), m.gitCommit(),
          java.time.Instant.parse(m.startedAt()).plusSeconds(86_400).toString(), m.diffexitVersion(), m.plugins(),
          m.jvm(), m.os(), m.cpuModel(), m.cores(), m.gpu(), 1, m.seed(), m.samples(), m.cells(), m.rejected(),
          m.engine(), m.cellHashes()));
    }
    ReportWriter.write(dir, Fixtures.BUILT_IN);

    assertThat(Files.readString(dir.resolve(ReportWriter.MARKDOWN))).contains(" 13 of the 13 cells shown were measured"
        + " by an earlier run of this experiment and resumed from results.jsonl; the machine and threads above are this"
        + " run's, so check that the earlier one ran on the same (`bench --report-only` rebuilds the reports without"
        + " replacing the manifest).");
  }

  @Test
  void paretoPlotsAreWrittenAsStandaloneWellFormedSvgPerBackboneAndSampler() throws Exception {
    Fixtures.benchAndReport(dir);
    Path plot = dir.resolve("plots/uvit-ddim10-fid-vs-gflops.svg");
    String svg = Files.readString(plot);
    assertThat(svg).startsWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"");
    assertThat(svg).contains("<style>").contains("svg .front{").contains("FID vs GFLOPs per image — uvit/ddim10");
    // well-formed XML: a browser or GitHub shows it as an image only then
    javax.xml.parsers.DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(plot.toFile());
    assertThat(dir.resolve("plots/uvit-ddim10-fid-vs-latency-b1.svg")).exists();
    assertThat(dir.resolve("plots/uvit-dpm5-fid-vs-gflops.svg")).exists();
  }

  @Test
  void sideBySideFigureShowsTheFullModelFirstAndEveryCellsSamplesUpscaled() throws Exception {
    Fixtures.benchAndReport(dir);
    Path plot = dir.resolve("plots/uvit-ddim10-side-by-side.svg");
    String svg = Files.readString(plot);
    javax.xml.parsers.DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(plot.toFile());
    assertThat(svg).contains("Same noise, first 4 samples — uvit/ddim10");
    // 6 finished ddim10 cells (none, f3, two fixed, two uem; boom failed): one label and one PNG strip each, none first
    assertThat(svg.split("<image ", -1)).hasSize(7);
    assertThat(svg.indexOf(">none · 0% MACs saved · FID 10.0<")).isPositive()
        .isLessThan(svg.indexOf(">fixed[layer=7] · 46% MACs saved · FID 16.0<"));
    // 12-pixel tiles repeated 7×: 84 px high, 4 tiles of 84 px and 3 gaps of 4 px
    assertThat(svg).contains("width=\"348\" height=\"84\" href=\"data:image/png;base64,");
    String b64 = svg.substring(svg.indexOf("base64,") + 7, svg.indexOf('"', svg.indexOf("base64,")));
    java.awt.image.BufferedImage strip = javax.imageio.ImageIO.read(
        new java.io.ByteArrayInputStream(java.util.Base64.getDecoder().decode(b64)));
    assertThat(strip.getWidth()).isEqualTo(348);
    assertThat(strip.getRaster().getSample(0, 0, 0)).as("none's pixels").isEqualTo(100);
    assertThat(strip.getRaster().getSample(85, 0, 0)).as("the gap").isEqualTo(255);
  }

  @Test
  void csvHasOneRowPerCellWithEveryColumnAndExactNumbers() throws Exception {
    Fixtures.benchAndReport(dir);
    List<List<String>> rows = parseCsv(Files.readString(dir.resolve(ReportWriter.CSV)));
    List<String> header = rows.get(0);
    assertThat(rows).hasSize(1 + 13).allSatisfy(r -> assertThat(r).hasSameSizeAs(header));
    Map<String, String> fixed7 = rowOf(rows, "uvit/ddim10/fixed[layer=7]");
    assertThat(fixed7.get("macs_per_image")).isEqualTo("7.1E8");
    assertThat(fixed7.get("flops_per_image")).isEqualTo("1.42E9");
    assertThat(Double.parseDouble(fixed7.get("macs_saved_percent"))).isEqualTo(100 * (1 - 7.1e8 / 1.31e9));
    assertThat(fixed7.get("baseline_cell")).isEqualTo("uvit/ddim10/none");
    assertThat(Double.parseDouble(fixed7.get("latency_b1_q3_ms"))).isCloseTo(7.81, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(fixed7.get("latency_large_batch")).isEqualTo("8");
    assertThat(fixed7.get("latency_large_repeats")).isEqualTo("5");
    assertThat(Double.parseDouble(fixed7.get("full_passes_b1_median"))).isCloseTo(7.1 / 1.31, within(1e-9));
    assertThat(Double.parseDouble(fixed7.get("full_pass_b1_ms"))).isCloseTo(1.31, within(1e-9));
    assertThat(Double.parseDouble(fixed7.get("full_pass_large_ms"))).isCloseTo(8 * 0.655, within(1e-9));
    assertThat(Double.parseDouble(fixed7.get("time_saved_percent_b1"))).isCloseTo(100 * (1 - 7.1 / 13.1), within(1e-9));
    assertThat(Double.parseDouble(fixed7.get("speedup_over_macs_reduction_large"))).isCloseTo(1.0, within(1e-9));
    assertThat(fixed7.get("time_compared_by")).isEqualTo("full-passes");
    assertThat(fixed7.get("mean_exit_layer")).isEqualTo("7.0");
    assertThat(fixed7.get("fid")).isEqualTo("16.0");
    assertThat(fixed7.get("strategy_params")).isEqualTo("layer=7");
    Map<String, String> uem = rowOf(rows, "uvit/dpm5/uem[threshold=0.5]");
    assertThat(uem.get("strategy_params")).as("quoted because of the comma").isEqualTo("checkpoint=ckpt/uem,threshold=0.5");
    Map<String, String> boom = rowOf(rows, "uvit/dpm5/boom");
    assertThat(boom.get("status")).isEqualTo("failed");
    assertThat(boom.get("error")).isEqualTo("IllegalStateException: strategy 'boom' exploded");
    assertThat(boom.get("fid")).isEmpty();
    assertThat(boom.get("cell_hash")).hasSize(64);
  }

  @Test
  void htmlIsSelfContainedWithTablePlotsHeatmapsAndImages() throws Exception {
    Fixtures.benchAndReport(dir);
    String html = Files.readString(dir.resolve(ReportWriter.HTML));
    assertThat(html).contains("<table id=\"results\">");
    assertThat(html).as("a table wider than the window scrolls in its own box").contains(
        "<div class=\"wide\"><table id=\"results\">").contains(".wide{overflow-x:auto;max-width:100%}");
    assertThat(html).contains("<tr class=\"failed\">");
    assertThat(html).contains("FID vs GFLOPs per image — uvit/ddim10").contains("FID vs latency (batch 1) — uvit/dpm5");
    assertThat(html).contains("class=\"heatmap\"");
    assertThat(html).contains("<img class=\"samples\"").contains("<img class=\"certainty\"");
    assertThat(html).contains("src=\"data:image/png;base64,iVBORw0KGgo");
    assertThat(html).contains("strategy &#39;f3&#39; requires sampler [ddim10], not &#39;dpm5&#39;");
    // no external resource: only the SVG namespace URI, never a src/href to the network
    assertThat(html.replace("xmlns=\"http://www.w3.org/2000/svg\"", "")).doesNotContain("http://")
        .doesNotContain("https://").doesNotContain("href=");
    long heatmaps = html.lines().collect(Collectors.joining()).split("class=\"heatmap\"", -1).length - 1;
    assertThat(heatmaps).as("one per finished cell").isEqualTo(11);
    assertThat(html.split("class=\"steps\"", -1).length - 1).as("a MACs-by-step chart per finished cell").isEqualTo(11);
  }

  @Test
  void missingImagesAreNamedInsteadOfBreakingTheReport() throws Exception {
    Fixtures.benchAndReport(dir);
    Files.delete(dir.resolve("cells/uvit_ddim10_none-08117d75/samples.png"));
    ReportWriter.write(dir, Fixtures.BUILT_IN);
    assertThat(Files.readString(dir.resolve(ReportWriter.HTML)))
        .contains("<p class=\"missing\">missing image: cells/uvit_ddim10_none-08117d75/samples.png</p>");
  }

  @Test
  void reportWithoutManifestFails() {
    assertThatThrownBy(() -> ReportWriter.write(dir, Fixtures.BUILT_IN))
        .hasMessage("no manifest.json in " + dir + "; run diffexit bench on the experiment first");
  }

  @Test
  void plotLabelsShortenPathValuesToTheirFileName() {
    assertThat(ReportPlots.plotLabel("schedule[from=./schedules/uvit-deediff-0.6.json]"))
        .isEqualTo("schedule[from=uvit-deediff-0.6]");
    assertThat(ReportPlots.plotLabel("s[a=../x/y.json,threshold=0.5]")).isEqualTo("s[a=y,threshold=0.5]");
    assertThat(ReportPlots.plotLabel("uem[threshold=0.7]")).isEqualTo("uem[threshold=0.7]");
  }

  @Test
  void pointLabelsAvoidEachOtherAndTheRightEdge() {
    List<double[]> placed = new java.util.ArrayList<>();
    // "abcdefghij" is ~50 px wide: the first goes to the upper right of (100, 100)
    assertThat(SvgCharts.placeLabel(100, 100, "abcdefghij", 460, placed))
        .contains("x=\"106.0\" y=\"94.0\" text-anchor=\"start\"");
    // a second point at the same place takes the next free spot, below right
    assertThat(SvgCharts.placeLabel(100, 100, "klmnopqrst", 460, placed))
        .contains("x=\"106.0\" y=\"113.0\" text-anchor=\"start\"");
    // near the right edge a label ends at the point instead of running out of the chart
    assertThat(SvgCharts.placeLabel(440, 200, "abcdefghij", 460, placed))
        .contains("x=\"434.0\" y=\"194.0\" text-anchor=\"end\"");
  }

  @Test
  void paretoFrontKeepsOnlyUndominatedPoints() {
    String svg = SvgCharts.pareto("t", "x", "y", List.of(
        new SvgCharts.Point("a", "s", 1, 10), new SvgCharts.Point("b", "s", 2, 5),
        new SvgCharts.Point("c", "s", 3, 7), new SvgCharts.Point("d", "s", 4, 2)));
    String front = svg.replaceAll("(?s).*<polyline class=\"front\" points=\"([^\"]*)\".*", "$1");
    // a, b, d are on the front (c is dominated by b): 3 points joined by 2 horizontal steps = 5 vertices
    assertThat(front.split(" ")).hasSize(5);
    assertThat(SvgCharts.ticks(new double[] {0.03, 0.97})).containsExactly(0.2, 0.4, 0.6000000000000001, 0.8);
  }

  private static Map<String, String> rowOf(List<List<String>> rows, String id) {
    List<String> header = rows.get(0);
    List<String> row = rows.stream().filter(r -> r.get(0).equals(id)).findFirst().orElseThrow();
    return IntStream.range(0, header.size()).boxed()
        .collect(Collectors.toMap(header::get, row::get, (a, b) -> a, java.util.LinkedHashMap::new));
  }

  /** A strict RFC 4180 reader, independent of the writer. */
  static List<List<String>> parseCsv(String text) {
    List<List<String>> rows = new ArrayList<>();
    List<String> row = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
          field.append('"');
          i++;
        } else if (c == '"') {
          quoted = false;
        } else {
          field.append(c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        row.add(field.toString());
        field.setLength(0);
      } else if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
        row.add(field.toString());
        field.setLength(0);
        rows.add(row);
        row = new ArrayList<>();
        i++;
      } else {
        field.append(c);
      }
    }
    return rows;
  }
}
