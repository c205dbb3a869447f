package io.diffexit.harness.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code report.md}'s table layout and escaping, from {@link Fixtures#WITH_FAILURE}. */
class MarkdownReportTest {

  @TempDir Path dir;

  @Test
  void tableHasOneSeparatorPerColumnAndOneLinePerCell() throws Exception {
    Fixtures.benchAndReport(dir);
    String md = Files.readString(dir.resolve(ReportWriter.MARKDOWN));
    assertThat(md).contains("\n|" + "---|".repeat(19) + "\n");
    long tableLines = md.lines().filter(l -> l.startsWith("| uvit | ")).count();
    assertThat(tableLines).as("13 cells").isEqualTo(13);
  }

  @Test
  void cellTextEscapesPipesAndFoldsLineBreaks() {
    assertThat(MarkdownReport.escape("a|b\nc")).isEqualTo("a\\|b c");
    assertThat(MarkdownReport.escape("plain")).isEqualTo("plain");
  }

  @Test
  void earlierResultsOfCellsNoLongerInTheGridAreCountedNotShown() throws Exception {
    Fixtures.benchAndReport(dir);
    Path results = dir.resolve(ResultStore.RESULTS);
    String first = Files.readAllLines(results).get(0);
    String gone = first.replace("\"cellId\":\"uvit/ddim10/none\"", "\"cellId\":\"uvit/ddim10/gone\"");
    Files.writeString(results, gone + "\n", java.nio.file.StandardOpenOption.APPEND);
    ReportWriter.write(dir, Fixtures.BUILT_IN);
    String md = Files.readString(dir.resolve(ReportWriter.MARKDOWN));
    assertThat(md).startsWith("# Benchmark: small\n\n11 finished, 2 failed, 0 not run yet, 1 rejected of 14 "
        + "combinations. 1 earlier result of cells no longer in the experiment (or run with other settings) is kept "
        + "in results.jsonl and not shown.\n");
    assertThat(md).doesNotContain("gone");
  }
}
