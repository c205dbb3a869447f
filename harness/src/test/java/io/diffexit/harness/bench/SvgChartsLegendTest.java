package io.diffexit.harness.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SvgChartsLegendTest {

  private static final SvgCharts.Point NONE = new SvgCharts.Point("none", "none", 1, 10);
  private static final SvgCharts.Point UEM = new SvgCharts.Point("uem[threshold=0.7]", "deediff", 2, 5);
  private static final SvgCharts.Point UEM_BATCH = new SvgCharts.Point("uem-batch@per-batch", "deediff", 3, 6);
  private static final SvgCharts.Point DELTA = new SvgCharts.Point("delta[bound=0.1]", "delta-exit", 4, 7);

  @Test
  void theLegendNamesTheInstancesThePointsAreLabelledWith() {
    String legend = SvgCharts.legend(List.of(NONE, UEM, UEM_BATCH, DELTA));
    assertThat(legend).isEqualTo("<div class=\"legend\">"
        + "<span><i style=\"background:#0072B2\"></i>none</span>"
        + "<span><i style=\"background:#56B4E9\"></i>deediff: uem, uem-batch</span>"
        + "<span><i style=\"background:" + SvgCharts.colourOf("delta-exit") + "\"></i>delta-exit: delta</span>"
        + "</div>");
  }

  @Test
  void aTypeHasTheSameColourInEveryPanelWhateverElseIsInIt() {
    String alone = SvgCharts.legend(List.of(UEM));
    String withOthers = SvgCharts.legend(List.of(DELTA, NONE, UEM));
    assertThat(alone).contains("#56B4E9\"></i>deediff: uem<");
    assertThat(withOthers).contains("#56B4E9\"></i>deediff: uem<");
    assertThat(SvgCharts.colourOf("delta-exit")).isEqualTo(SvgCharts.colourOf("delta-exit"))
        .isNotIn("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442");
  }
}
