package io.diffexit.strategies.berxit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.diffexit.api.BackboneSpec;
import io.diffexit.api.DecisionMode;
import io.diffexit.api.ExitStrategy;
import io.diffexit.api.LayerwiseOutputs;
import io.diffexit.api.ObjectiveValue;
import io.diffexit.strategies.NdTestBase;
import io.diffexit.testkit.FixtureExitPoint;
import io.diffexit.testkit.TinySpecs;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BerxitStrategyTest extends NdTestBase {

  private static final int D = TinySpecs.D;
  private final BerxitStrategyFactory factory = new BerxitStrategyFactory();

  private static Parameter param(ExitStrategy s, String name) {
    return s.trainable().orElseThrow().getParameters().get(name);
  }

  private static double sigmoid(double x) {
    return 1 / (1 + Math.exp(-x));
  }

  /** Hidden (B, 5, D): time token all 50 (must be ignored), patch tokens' feature 0 = value, others 0. */
  private NDArray featureZero(float... perSample) {
    float[] v = new float[perSample.length * 5 * D];
    for (int b = 0; b < perSample.length; b++) {
      for (int f = 0; f < D; f++) {
        v[b * 5 * D + f] = 50;
      }
      for (int n = 1; n < 5; n++) {
        v[(b * 5 + n) * D] = perSample[b];
      }
    }
    return array(v, perSample.length, 5, D);
  }

  @Test
  void samplesExitWhenThePredictedUncertaintyOfThePooledPatchTokensIsBelowTheThreshold() {
    BackboneSpec vit = TinySpecs.vit(3);
    ExitStrategy s = create(factory, "threshold=0.1", vit);
    float[] w = new float[D];
    w[0] = 1;
    param(s, "probe1_weight").getArray().set(w);
    // u = sigmoid(x0): sigmoid(-3) = 0.047 < 0.1 exits, sigmoid(-2) = 0.119 and sigmoid(3) do not
    NDArray hidden = featureZero(-3, -2, 3);
    assertThat(bools(s.decide(FixtureExitPoint.at(vit, 1, hidden)))).containsExactly(true, false, false);
    // per batch: mean uncertainty (0.047 + 0.119 + 0.953) / 3 = 0.373
    ExitStrategy loose = create(factory, "threshold=0.4", vit);
    param(loose, "probe1_weight").getArray().set(w);
    FixtureExitPoint batch = FixtureExitPoint.at(vit, 1, hidden).inMode(DecisionMode.PER_BATCH);
    assertThat(bools(loose.decide(batch))).containsExactly(true, true, true);
    assertThat(bools(s.decide(batch))).containsExactly(false, false, false);
  }

  @Test
  void objectiveIsSimplePlusAverageLayerwisePlusLteMseComputedByHand() {
    BackboneSpec vit = TinySpecs.vit(3);
    ExitStrategy s = create(factory, "", vit);
    int n = 3;
    List<NDArray> hidden = new ArrayList<>();
    List<NDArray> heads = new ArrayList<>();
    List<float[]> hs = new ArrayList<>();
    List<float[]> gs = new ArrayList<>();
    List<float[]> ws = new ArrayList<>();
    float[] bias = {0.3f, -0.2f, 0.1f};
    for (int i = 0; i < n; i++) {
      hs.add(randoms(10 + i, 2 * 5 * D));
      gs.add(randoms(20 + i, 32));
      ws.add(randoms(30 + i, D));
      param(s, "probe" + i + "_weight").getArray().set(ws.get(i));
      param(s, "probe" + i + "_bias").getArray().set(new float[] {bias[i]});
      hidden.add(array(hs.get(i), 2, 5, D));
      heads.add(array(gs.get(i), 2, 1, 4, 4));
    }
    float[] noise = randoms(40, 32);
    LayerwiseOutputs out = new LayerwiseOutputs(hidden, heads, array(noise, 2, 1, 4, 4),
        manager.create(new float[] {1, 2}), vit);
    ObjectiveValue v = s.objective().orElseThrow().loss(out, new ParameterStore(manager, false));
    assertMatchesHandComputed(v, new int[] {0, 1, 2}, hs, gs, ws, bias, noise);
    // a sample of the exits (the trainer's exit-sample): exit 1 read with LTE 1, the means over the two given
    assertThat(s.objective().orElseThrow().supportsExitSampling()).isTrue();
    LayerwiseOutputs sampled = new LayerwiseOutputs(hidden.subList(1, 3), heads.subList(1, 3), out.noise(),
        out.modelTime(), vit, null, List.of(1, 2));
    assertMatchesHandComputed(s.objective().orElseThrow().loss(sampled, new ParameterStore(manager, false)),
        new int[] {1, 2}, hs, gs, ws, bias, noise);
  }

  private static void assertMatchesHandComputed(ObjectiveValue v, int[] exits, List<float[]> hs, List<float[]> gs,
      List<float[]> ws, float[] bias, float[] noise) {
    int n = exits.length;
    double simple = 0;
    double layerwise = 0;
    double lte = 0;
    for (int j = 0; j < n; j++) {
      int i = exits[j];
      for (int b = 0; b < 2; b++) {
        double z = bias[i];
        for (int f = 0; f < D; f++) {
          double pooled = 0;
          for (int t = 1; t < 5; t++) {
            pooled += hs.get(i)[(b * 5 + t) * D + f] / 4.0;
          }
          z += ws.get(i)[f] * pooled;
        }
        double target = 0;
        for (int k = 0; k < 16; k++) {
          double d = gs.get(i)[b * 16 + k] - noise[b * 16 + k];
          target += Math.tanh(Math.abs(d)) / 16;
          layerwise += d * d / 32 / n;
          if (j == n - 1) {
            simple += d * d / 32;
          }
        }
        lte += Math.pow(sigmoid(z) - target, 2) / 2 / n;
      }
    }
    assertThat((double) v.terms().get("simple").getFloat()).isCloseTo(simple, within(1e-5));
    assertThat((double) v.terms().get("layerwise").getFloat()).isCloseTo(layerwise, within(1e-5));
    assertThat((double) v.terms().get("lte").getFloat()).isCloseTo(lte, within(1e-5));
    assertThat((double) v.total().getFloat()).isCloseTo(simple + layerwise + lte, within(1e-5));
  }

  @Test
  void lteInputIsDetachedFromTheBackbone() {
    BackboneSpec vit = TinySpecs.vit(2);
    ExitStrategy s = create(factory, "", vit);
    List<NDArray> hidden = new ArrayList<>();
    List<NDArray> heads = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      NDArray h = array(randoms(50 + i, 2 * 5 * D), 2, 5, D);
      h.setRequiresGradient(true);
      hidden.add(h);
      heads.add(array(randoms(60 + i, 32), 2, 1, 4, 4));
    }
    LayerwiseOutputs out = new LayerwiseOutputs(hidden, heads, array(randoms(70, 32), 2, 1, 4, 4),
        manager.create(new float[] {1, 2}), vit);
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      gc.backward(s.objective().orElseThrow().loss(out, new ParameterStore(manager, false)).terms().get("lte"));
    }
    assertThat(hidden.get(0).getGradient().abs().sum().getFloat()).isZero();
    assertThat(param(s, "probe0_weight").getArray().getGradient().abs().sum().getFloat()).isPositive();
  }

  @Test
  void macsPerDecisionAreTheLteLinearOnly() {
    BackboneSpec vit = TinySpecs.vit(3);
    assertThat(create(factory, "", vit).macsPerDecision(vit.exitPoints().get(0))).isEqualTo(D);
    BackboneSpec unet = TinySpecs.unet();
    assertThat(create(factory, "", unet).macsPerDecision(unet.exitPoints().get(2))).isEqualTo(3);
  }

  @Test
  void badThresholdIsRefused() {
    assertThatThrownBy(() -> create(factory, "threshold=-0.1", TinySpecs.vit(3)))
        .hasMessage("exit strategy 'berxit': parameter 'threshold' must be in [0.0, 1.0], got -0.1");
    assertThat(create(factory, "", TinySpecs.vit(3)).describe()).isEqualTo("berxit(threshold=0.1)");
  }
}
