package io.diffexit.harness.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.diffexit.harness.fidelity.SavedSamples;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class SideBySideFigureTest {

  private static SavedSamples samples(int count) {
    return new SavedSamples(new byte[count * 28 * 28], count, 1, 28, 28);
  }

  /** @return the x of every embedded tile strip */
  private static List<Integer> stripXs(String svg) {
    Matcher m = Pattern.compile("<image x=\"(\\d+)\"").matcher(svg);
    List<Integer> xs = new ArrayList<>();
    while (m.find()) {
      xs.add(Integer.parseInt(m.group(1)));
    }
    return xs;
  }

  @Test
  void shortLabelsKeepTheNarrowestLabelColumn() {
    String svg = SideBySideFigure.svg("t",
        List.of(new SideBySideFigure.Row("none · FID 18.1", samples(2)),
            new SideBySideFigure.Row("fixed[layer=9] · 29% MACs saved", samples(2))), 2);

    assertThat(stripXs(svg)).containsExactly(300, 300);
  }

  @Test
  void aLongLabelWidensTheLabelColumnSoTheTilesStartAfterIt() {
    String label = "wo-ee[checkpoint=uvit-v-similarity-joint] · 0% MACs saved · FID 19.6"; // 68 characters
    String svg = SideBySideFigure.svg("t",
        List.of(new SideBySideFigure.Row("none", samples(2)), new SideBySideFigure.Row(label, samples(2))), 2);

    // 68 characters at 7.5 px plus a 12 px margin: 522; every row's tiles start there, and the figure is wider by it
    assertThat(stripXs(svg)).containsExactly(522, 522);
    int tiles = 2 * 84 + 4;
    assertThat(svg).contains("width=\"" + (522 + tiles + 4) + "\"");
  }

  @Test
  void aRowWithFewerSamplesThanColumnsIsNamed() {
    assertThatThrownBy(() -> SideBySideFigure.svg("t",
        List.of(new SideBySideFigure.Row("none", samples(2)), new SideBySideFigure.Row("short", samples(1))), 2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("row 'short' has 1 samples, fewer than the 2 columns");
  }
}
