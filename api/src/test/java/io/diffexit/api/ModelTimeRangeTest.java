package io.diffexit.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ModelTimeRangeTest {

  @Test
  void parsesLoHiWithSpacesAndDecimalsAndPrintsItBack() {
    ModelTimeRange r = ModelTimeRange.parse("x", " 600 - 999.5 ");
    assertThat(r).isEqualTo(new ModelTimeRange(600, 999.5));
    assertThat(r.toString()).isEqualTo("600-999.5");
    assertThat(ModelTimeRange.parse("x", "0-1000").toString()).isEqualTo("0-1000");
  }

  @Test
  void containsTheLowerEndAndNotTheUpperOne() {
    ModelTimeRange r = new ModelTimeRange(600, 1000);
    assertThat(r.contains(600)).isTrue();
    assertThat(r.contains(999.9)).isTrue();
    assertThat(r.contains(1000)).isFalse();
    assertThat(r.contains(599.99)).isFalse();
  }

  @Test
  void otherTextOrAnEmptyRangeIsRefusedNamingTheSubject() {
    assertThatThrownBy(() -> ModelTimeRange.parse("training option times", "600"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("training option times must be a model-time range lo-hi, e.g. 600-1000, got '600'");
    assertThatThrownBy(() -> ModelTimeRange.parse("training option times", "-5-10"))
        .hasMessage("training option times must be a model-time range lo-hi, e.g. 600-1000, got '-5-10'");
    assertThatThrownBy(() -> ModelTimeRange.parse("training option times", "800-600"))
        .hasMessage("training option times range 800-600 is empty; write lo-hi with lo < hi");
    assertThatThrownBy(() -> new ModelTimeRange(5, 5))
        .hasMessage("model-time range 5-5 is empty; write lo-hi with 0 <= lo < hi");
  }
}
