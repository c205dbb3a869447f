package io.diffexit.harness.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.diffexit.api.ModelTimeRange;
import org.junit.jupiter.api.Test;

class TrainingTimesTest {

  private static final float[] INDEX_TIME = {0f, 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f, 9f};

  @Test
  void aRangeKeepsTheTimestepsWhoseModelTimeIsInsideWithTheUpperEndLeftOut() {
    assertThat(TrainingStep.allowedTimesteps(INDEX_TIME, new ModelTimeRange(6, 9))).containsExactly(6, 7, 8);
    assertThat(TrainingStep.allowedTimesteps(INDEX_TIME, new ModelTimeRange(2.5, 100))).containsExactly(3, 4, 5, 6, 7, 8, 9);
    // continuous model times (e.g. a VP-SDE's 999·t) are compared as they are
    assertThat(TrainingStep.allowedTimesteps(new float[] {0.999f, 1.998f, 2.997f}, new ModelTimeRange(1, 3)))
        .containsExactly(1, 2);
  }

  @Test
  void noRangeMeansEveryTimestepDrawnAsBefore() {
    assertThat(TrainingStep.allowedTimesteps(INDEX_TIME, null)).isNull();
  }

  @Test
  void aRangeWithoutATimestepIsRefusedWithTheModelTimesThereAre() {
    assertThatThrownBy(() -> TrainingStep.allowedTimesteps(INDEX_TIME, new ModelTimeRange(20, 30)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("training option times 20-30 holds no timestep: the model times run from 0 to 9");
    assertThatThrownBy(() -> TrainingStep.allowedTimesteps(INDEX_TIME, new ModelTimeRange(4.2, 4.8)))
        .hasMessage("training option times 4.2-4.8 holds no timestep: the model times run from 0 to 9");
  }
}
