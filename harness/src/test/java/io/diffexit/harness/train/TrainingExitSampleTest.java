package io.diffexit.harness.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.diffexit.api.LayerwiseOutputs;
import io.diffexit.api.ObjectiveValue;
import io.diffexit.api.TrainingObjective;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class TrainingExitSampleTest {

  private static final TrainingObjective READS_EVERY_EXIT = (LayerwiseOutputs o, ai.djl.training.ParameterStore s) -> {
    throw new AssertionError("not called");
  };

  private static final TrainingObjective SAMPLES = new TrainingObjective() {
    @Override
    public ObjectiveValue loss(LayerwiseOutputs outputs, ai.djl.training.ParameterStore store) {
      throw new AssertionError("not called");
    }

    @Override
    public boolean supportsExitSampling() {
      return true;
    }
  };

  @Test
  void withoutASampleEveryExitTrains() {
    assertThat(TrainingStep.exitsOfStep(3, 7, 0, 5)).containsExactly(0, 1, 2, 3, 4);
  }

  @Test
  void aStepDrawsDistinctEarlyExitsInOrderAndAlwaysTheLastTheSameForTheSameSeedAndStep() {
    int[] counts = new int[12];
    for (int step = 0; step < 3000; step++) {
      int[] e = TrainingStep.exitsOfStep(3, step, 3, 13);
      assertThat(e).hasSize(4).endsWith(12).isSorted().doesNotHaveDuplicates();
      assertThat(TrainingStep.exitsOfStep(3, step, 3, 13)).containsExactly(e); // a resumed run draws the same
      for (int k = 0; k < 3; k++) {
        counts[e[k]]++;
      }
    }
    // uniform: each of the 12 early exits in 3000·3/12 = 750 draws, binomial SD ≈ 24
    assertThat(Arrays.stream(counts).min().orElseThrow()).isGreaterThan(650);
    assertThat(Arrays.stream(counts).max().orElseThrow()).isLessThan(850);
    assertThat(TrainingStep.exitsOfStep(4, 0, 3, 13)).as("another seed draws otherwise at some step")
        .satisfiesAnyOf(
            a -> assertThat(a).isNotEqualTo(TrainingStep.exitsOfStep(3, 0, 3, 13)),
            a -> assertThat(TrainingStep.exitsOfStep(4, 1, 3, 13)).isNotEqualTo(TrainingStep.exitsOfStep(3, 1, 3, 13)));
  }

  @Test
  void aSampleNeedsAnObjectiveWrittenForItAndFewerExitsThanThereAre() {
    TrainingStep.checkExitSample(0, 3, null, null); // off: nothing to check
    TrainingStep.checkExitSample(1, 3, SAMPLES, "deediff");
    assertThatThrownBy(() -> TrainingStep.checkExitSample(1, 3, READS_EVERY_EXIT, "schedule"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("--exit-sample: strategy 'schedule' has an objective that reads every exit, not a sample; drop"
            + " --exit-sample");
    assertThatThrownBy(() -> TrainingStep.checkExitSample(1, 3, null, null))
        .hasMessage("--exit-sample: the run has no layer-wise objective (give --strategy); drop --exit-sample");
    assertThatThrownBy(() -> TrainingStep.checkExitSample(2, 3, SAMPLES, "deediff"))
        .hasMessage("--exit-sample 2 must be below the backbone's 2 early exits; drop it to train every exit");
  }
}
