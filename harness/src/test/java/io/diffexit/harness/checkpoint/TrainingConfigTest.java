package io.diffexit.harness.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TrainingConfigTest {

  @Test
  void eachCopyChangesItsOwnFieldAndNoOther() {
    TrainingConfig d = TrainingConfig.defaults();
    TrainingConfig all = d.withSteps(7).withBatch(3).withLr(1e-3).withWarmup(9).withWeightDecay(0.5)
        .withBetas(0.8, 0.9).withEmaDecay(0.5).withGradClip(2).withSeed(11).withCheckpointEvery(4)
        .withExitLossGamma(5).withFreezeTrunk(true).withCooldown(6).withTimes("600-1000").withDistill(true)
        .withExitSample(3);
    assertThat(all).isEqualTo(
        new TrainingConfig(7, 3, 1e-3, 9, 0.5, 0.8, 0.9, 1e-8, 0.5, 2, 11, false, 4, 5, true, 6, "600-1000", true, 3));
    assertThat(d.withFreezeBackbone(true))
        .isEqualTo(new TrainingConfig(5000, 128, 2e-4, 500, 0.03, 0.99, 0.999, 1e-8, 0.999, 1.0, 0, true, 1000, 0,
            false, 0, null, false, 0));
    assertThat(d.withSteps(5000)).isEqualTo(d);
  }

  @Test
  void aCopyIsValidatedLikeANewConfig() {
    assertThatThrownBy(() -> TrainingConfig.defaults().withBatch(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("training option batch must be at least 1, got 0");
    assertThatThrownBy(() -> TrainingConfig.defaults().withFreezeTrunk(true).withFreezeBackbone(true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("training options freeze-trunk and freeze-backbone exclude each other");
    assertThatThrownBy(() -> TrainingConfig.defaults().withSteps(10).withCooldown(11))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("training option cooldown must be in [0, steps = 10], got 11");
    assertThatThrownBy(() -> TrainingConfig.defaults().withTimes("600"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("training option times must be a model-time range lo-hi, e.g. 600-1000, got '600'");
    assertThatThrownBy(() -> TrainingConfig.defaults().withTimes("800-600"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("training option times range 800-600 is empty; write lo-hi with lo < hi");
    assertThatThrownBy(() -> TrainingConfig.defaults().withDistill(true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("training option distill needs freeze-trunk: with the final head training, its own output would"
            + " be its target; add --freeze-trunk");
    assertThatThrownBy(() -> TrainingConfig.defaults().withExitSample(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("training option exit-sample must be 0 (every exit) or positive, got -1");
  }

  @Test
  void aCardWrittenBeforeTheDistillAndExitSampleOptionsReadsAsNeither() throws Exception {
    String old = "{\"steps\":500,\"batch\":64,\"lr\":0.001,\"warmup\":20,\"weightDecay\":0.03,\"beta1\":0.99,"
        + "\"beta2\":0.999,\"eps\":1e-8,\"emaDecay\":0.999,\"gradClip\":1.0,\"seed\":2,\"freezeBackbone\":false,"
        + "\"checkpointEvery\":100,\"exitLossGamma\":5.0,\"freezeTrunk\":true,\"cooldown\":100}";
    TrainingConfig read = CheckpointWriter.JSON.readValue(old, TrainingConfig.class);
    assertThat(read.distill()).isFalse();
    assertThat(read.exitSample()).isZero();
    assertThat(read.times()).isNull();
    assertThat(read).isEqualTo(TrainingConfig.defaults().withSteps(500).withBatch(64).withLr(1e-3).withWarmup(20)
        .withSeed(2).withCheckpointEvery(100).withExitLossGamma(5).withFreezeTrunk(true).withCooldown(100));
    assertThat(CheckpointWriter.JSON.readValue(CheckpointWriter.JSON.writeValueAsString(read.withDistill(true)),
        TrainingConfig.class).distill()).isTrue();
  }

  @Test
  void aTimeRangeReadsAsItsTwoEndsAndNoneAsNull() {
    assertThat(TrainingConfig.timeRange(" 600 - 999.5 ")).isEqualTo(new io.diffexit.api.ModelTimeRange(600, 999.5));
    assertThat(TrainingConfig.timeRange(null)).isNull();
  }

  @Test
  void theCooldownLowersTheLastStepsRatesLinearlyAfterTheWarmup() {
    TrainingConfig c = TrainingConfig.defaults().withLr(1e-3).withWarmup(2).withSteps(10).withCooldown(4);
    double[] expected = {0.5e-3, 1e-3, 1e-3, 1e-3, 1e-3, 1e-3, 1e-3, 0.75e-3, 0.5e-3, 0.25e-3};
    for (int step = 0; step < 10; step++) {
      assertThat(c.learningRate(step)).as("step %d", step).isCloseTo(expected[step], org.assertj.core.data.Offset.offset(1e-15));
    }
    assertThat(c.cooldownStart()).isEqualTo(6);
    assertThat(c.withCooldown(0).learningRate(9)).isEqualTo(1e-3); // none: constant to the end
    assertThat(c.withCooldown(0).cooldownStart()).isEqualTo(10);
  }
}
