package io.diffexit.harness.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code report.html}'s stylesheet from {@code report.css}, and its table layout, from {@link Fixtures#WITH_FAILURE}. */
class HtmlReportTest {

  @TempDir Path dir;

  @Test
  void stylesheetResourceIsInlinedWithoutItsCommentLines() throws Exception {
    String resource;
    try (var in = ReportStylesheet.class.getResourceAsStream("report.css")) {
      assertThat(in).as("io/diffexit/harness/bench/report.css on the classpath").isNotNull();
      resource = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    String css = ReportStylesheet.css();
    assertThat(resource).contains("/* long component specs");
    assertThat(css).startsWith("body{font:14px/1.4 system-ui,sans-serif;")
        .endsWith("footer li{margin-bottom:4px}").doesNotContain("/*").doesNotContain("\n\n");
    assertThat(css.lines()).hasSize(14);
    Fixtures.benchAndReport(dir);
    String html = Files.readString(dir.resolve(ReportWriter.HTML));
    assertThat(html).contains("<style>" + css + "</style></head>");
  }

  @Test
  void standalonePlotsCarryOnlyTheSvgRules() throws Exception {
    Fixtures.benchAndReport(dir);
    String svg = Files.readString(dir.resolve("plots/uvit-ddim10-fid-vs-gflops.svg"));
    String style = svg.substring(svg.indexOf("<style>"), svg.indexOf("</style>"));
    assertThat(style).isEqualTo("<style>text{font-family:system-ui,sans-serif}"
        + "svg text.title{font-size:13px;font-weight:600}svg text.tick{font-size:10px;fill:#444}"
        + "svg text.axis{font-size:11px}svg text.point{font-size:9px;fill:#333}"
        + "svg .frame{fill:none;stroke:#999}svg .grid{stroke:#eee}"
        + "svg .front{fill:none;stroke:#888;stroke-dasharray:4 3}svg .mean{fill:none;stroke:#D55E00;stroke-width:1.5}");
  }

  @Test
  void missingStylesheetIsNamedWithTheFix() {
    assertThatThrownBy(() -> ReportStylesheet.rules("no-such.css"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("the report stylesheet io/diffexit/harness/bench/no-such.css is missing from the classpath;"
            + " rebuild diffexit (mvn -DskipTests package) so that harness/src/main/resources is packaged");
  }

  @Test
  void failedRowRightAlignsOnlyItsMeasurementCells() throws Exception {
    Fixtures.benchAndReport(dir);
    String html = Files.readString(dir.resolve(ReportWriter.HTML));
    assertThat(html).contains("<tr class=\"failed\"><td>uvit</td><td>ddim10 (ddim:steps=10)</td><td>boom (boom)</td>"
        + "<td>per-sample</td>" + "<td class=\"num\">—</td>".repeat(14)
        + "<td>failed: IllegalStateException: strategy &#39;boom&#39; exploded</td></tr>");
  }

  @Test
  void escapingCoversContentAndAttributes() {
    assertThat(HtmlReport.escape("<a href=\"x\">Tom & Jerry's</a>"))
        .isEqualTo("&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;");
    assertThat(HtmlReport.escape(null)).isEmpty();
  }
}
