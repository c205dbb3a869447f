package io.diffexit.harness.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.diffexit.harness.checkpoint.TrainingConfig;
import io.diffexit.harness.progress.ProgressLine;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TrainingMathTest {

  @Test
  void adamWMatchesHandComputedUpdatesOverTwoStepsAndSkipsParametersWithoutGradient() {
    try (NDManager m = NDManager.newBaseManager(); NDManager step = m.newSubManager()) {
      NDArray p = m.create(new float[] {1f, -2f});
      NDArray idle = m.create(new float[] {3f});
      AdamW adam = new AdamW(List.of(p, idle), 0.9, 0.999, 1e-8, 0.01, m);
      // step 1: p·(1−0.1·0.01) = [0.999, −1.998]; m̂ = g, v̂ = g², so the step is lr·sign(g) = 0.1
      adam.update(List.of(p, idle), Arrays.asList(step.create(new float[] {0.5f, -0.1f}), null), 0.1, step);
      assertThat(p.toFloatArray()).containsExactly(new float[] {0.899f, -1.898f}, within(1e-6f));
      // step 2 with g = [−1, 0.3]: m = [−0.055, 0.021], v = [0.00124975, 0.00009999],
      // p0 = 0.899·0.999 − (0.1/0.19)·(−0.055)/(sqrt(0.00124975)/sqrt(0.001999) + 1e-8) = 0.9347114
      adam.update(List.of(p, idle), Arrays.asList(step.create(new float[] {-1f, 0.3f}), null), 0.1, step);
      assertThat(p.toFloatArray()).containsExactly(new float[] {0.9347114f, -1.9455210f}, within(2e-6f));
      assertThat(adam.moments().get(0).toFloatArray()).containsExactly(new float[] {-0.055f, 0.021f}, within(1e-7f));
      assertThat(adam.moments().get(2).toFloatArray())
          .containsExactly(new float[] {0.00124975f, 0.00009999f}, within(1e-9f));
      assertThat(idle.toFloatArray()).containsExactly(3f);
      assertThat(adam.updateCounts()).containsExactly(2L, 0L);
      adam.close();
    }
  }

  @Test
  void globalNormClippingScalesEveryGradientByTheSameFactor() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray a = m.create(new float[] {3f, 4f});
      NDArray b = m.create(new float[] {12f});
      // ||(3, 4, 12)|| = 13; factor 1 / (13 + 1e-6)
      assertThat(GradientClipping.clip(List.of(a, b), 1.0)).isCloseTo(13.0, within(1e-6));
      assertThat(a.toFloatArray()).containsExactly(new float[] {3f / 13, 4f / 13}, within(1e-6f));
      assertThat(b.toFloatArray()).containsExactly(new float[] {12f / 13}, within(1e-6f));
      NDArray c = m.create(new float[] {-5f, 5f});
      assertThat(GradientClipping.clip(List.of(c), 20.0)).isCloseTo(Math.sqrt(50), within(1e-5));
      assertThat(c.toFloatArray()).containsExactly(-5f, 5f);
      NDArray d = m.create(new float[] {-5f, 5f});
      GradientClipping.clip(List.of(d), 0.5);
      assertThat(d.toFloatArray()) // both signs scaled: unlike DJL's one-sided per-element clamp
          .containsExactly(new float[] {(float) (-5 * 0.5 / Math.sqrt(50)), (float) (5 * 0.5 / Math.sqrt(50))},
              within(1e-6f));
    }
  }

  @Test
  void emaMovesAveragesTowardWeightsWithWarmUpDecay() {
    assertThat(Ema.decayAt(0.999, 0)).isCloseTo(0.1, within(1e-12));
    assertThat(Ema.decayAt(0.999, 990)).isCloseTo(0.991, within(1e-12));
    assertThat(Ema.decayAt(0.999, 100_000)).isEqualTo(0.999);
    try (NDManager m = NDManager.newBaseManager(); NDManager step = m.newSubManager()) {
      NDArray w = m.create(new float[] {1f, 2f});
      NDArray e = m.create(new float[] {0f, 4f});
      Ema.update(List.of(w), List.of(e), 0.75, step);
      // e + 0.25·(w − e) = [0.25, 3.5]
      assertThat(e.toFloatArray()).containsExactly(0.25f, 3.5f);
      assertThat(w.toFloatArray()).containsExactly(1f, 2f);
    }
  }

  @Test
  void warmUpRisesLinearlyToThePeakThenStays() {
    TrainingConfig c = TrainingConfig.defaults().withLr(1e-3).withWarmup(4);
    assertThat(new double[] {c.learningRate(0), c.learningRate(1), c.learningRate(2), c.learningRate(3),
        c.learningRate(10)}).containsExactly(new double[] {2.5e-4, 5e-4, 7.5e-4, 1e-3, 1e-3}, within(1e-15));
    assertThat(c.withWarmup(0).learningRate(0)).isEqualTo(1e-3);
  }

  @Test
  void dataOrderIsASeededPermutationPerEpochAndBatchesStraddleEpochs() {
    DataOrder order = new DataOrder(3, 10);
    int[] e0 = order.permutation(0).clone();
    int[] e1 = order.permutation(1).clone();
    assertThat(e0).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    assertThat(e1).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    assertThat(e0).isNotEqualTo(e1);
    // batch 4: step 2 covers positions 8..11 = epoch 0 [8, 9], epoch 1 [0, 1]
    assertThat(order.batch(2, 4)).containsExactly(e0[8], e0[9], e1[0], e1[1]);
    assertThat(order.epochOf(3, 4)).isEqualTo(1);
    assertThat(order.offsetOf(3, 4)).isEqualTo(2);
    assertThat(new DataOrder(3, 10).batch(2, 4)).isEqualTo(order.batch(2, 4));
    Set<Integer> seen = new HashSet<>();
    for (int s = 0; s < 5; s++) {
      for (int i : new DataOrder(4, 20).batch(s, 4)) {
        seen.add(i);
      }
    }
    assertThat(seen).hasSize(20);
    assertThat(new DataOrder(4, 10).permutation(0)).isNotEqualTo(e0);
  }

  @Test
  void minSnrWeightsCapTheSignalToNoiseRatioAtGamma() {
    // SNR = 0.8/0.2 = 4 ≤ 5 → 1; SNR = 0.96/0.04 = 24 → 5/24; SNR = 0.01/0.99 → 1
    float[] a = {(float) Math.sqrt(0.8), (float) Math.sqrt(0.96), (float) Math.sqrt(0.01)};
    float[] s = {(float) Math.sqrt(0.2), (float) Math.sqrt(0.04), (float) Math.sqrt(0.99)};
    float[] w = TrainingStep.minSnrWeights(a, s, 5);
    assertThat((double) w[0]).isCloseTo(1, org.assertj.core.api.Assertions.within(1e-6));
    assertThat((double) w[1]).isCloseTo(5.0 / 24, org.assertj.core.api.Assertions.within(1e-6));
    assertThat((double) w[2]).isCloseTo(1, org.assertj.core.api.Assertions.within(1e-6));
  }

  @Test
  void badHyperparametersFailNamingTheOption() {
    assertThatThrownBy(() -> TrainingConfig.defaults().withBatch(0))
        .hasMessage("training option batch must be at least 1, got 0");
    assertThatThrownBy(() -> TrainingConfig.defaults().withEmaDecay(1.0))
        .hasMessage("training option ema must be in [0, 1), got 1.0");
    assertThatThrownBy(() -> TrainingConfig.defaults().withLr(-1))
        .hasMessage("training option lr must be positive, got -1.0");
    assertThatThrownBy(() -> TrainingConfig.defaults().withGradClip(-1))
        .hasMessage("training option clip must be 0 (off) or positive, got -1.0");
    assertThatThrownBy(() -> TrainingConfig.defaults().withExitLossGamma(-5))
        .hasMessage("training option exit-loss-gamma must be 0 (unweighted) or positive, got -5.0");
    assertThatThrownBy(() -> new DataOrder(0, 0)).hasMessage("no training images: the data set is empty");
  }

  @Test
  void progressPrintsALinePerIntervalWhenNotOnATerminal() {
    var bytes = new java.io.ByteArrayOutputStream();
    TrainingProgress bar = new TrainingProgress(new ProgressLine(new java.io.PrintStream(bytes, true), false), 2);
    for (int s = 1; s <= 5; s++) {
      bar.stepDone(new StepReport(s, 5, 0.5, 0.25, java.util.Map.of(), 1e-4, 0.5, 100, 65));
    }
    List<String> lines = bytes.toString().lines().toList();
    assertThat(lines).hasSize(3); // steps 2, 4 and the last
    assertThat(lines.get(0))
        .isEqualTo("step 2/5  loss 0.2500 (last 0.5000)  lr 1.00e-04  |g| 0.500  100.0 img/s  ETA 1:05");
    assertThat(ProgressLine.clock(3725)).isEqualTo("1:02:05");
    assertThat(ProgressLine.clock(12)).isEqualTo("0:12");
    assertThat(ProgressLine.clock(Double.NaN)).isEqualTo("?");
  }

  @Test
  void offATerminalALineIsPrintedAtLeastOnceAMinuteBetweenIntervals() {
    var bytes = new java.io.ByteArrayOutputStream();
    long[] now = {0};
    TrainingProgress bar = new TrainingProgress(
        new ProgressLine(new java.io.PrintStream(bytes, true), false), 1000, () -> now[0]);
    for (int s = 1; s <= 7; s++) {
      now[0] += 25_000_000_000L; // 25 s a step
      bar.stepDone(new StepReport(s, 5000, 0.5, 0.25, java.util.Map.of(), 1e-4, 0.5, 100, 65));
    }
    // a line at 75 s (step 3) and at 150 s (step 6), 60 s or more after the one before
    assertThat(bytes.toString().lines().map(l -> l.substring(0, 14)).toList())
        .containsExactly("step    3/5000", "step    6/5000");
  }

  @Test
  void progressRewritesOneLineOnATerminal() {
    var bytes = new java.io.ByteArrayOutputStream();
    TrainingProgress bar = new TrainingProgress(new ProgressLine(new java.io.PrintStream(bytes, true), true), 1);
    bar.stepDone(new StepReport(1, 2, 0.5, 0.5, java.util.Map.of(), 1e-4, 0.5, 10, 1));
    bar.stepDone(new StepReport(2, 2, 0.4, 0.45, java.util.Map.of("uem", 0.1), 1e-4, 0.5, 10, 0));
    String out = bytes.toString();
    assertThat(out).startsWith("\r\033[2Kstep 1/2").contains("\r\033[2Kstep 2/2  loss 0.4500 (last 0.4000) uem 0.1000").endsWith("\n");
    assertThat(out.chars().filter(c -> c == '\n').count()).isEqualTo(1);
  }
}
