package io.diffexit.strategies.deediff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.diffexit.api.BackboneSpec;
import io.diffexit.api.DecisionMode;
import io.diffexit.api.ExitStrategy;
import io.diffexit.api.LayerwiseOutputs;
import io.diffexit.api.ObjectiveValue;
import io.diffexit.api.PassInfo;
import io.diffexit.api.RunInfo;
import io.diffexit.strategies.NdTestBase;
import io.diffexit.testkit.FixtureExitPoint;
import io.diffexit.testkit.TinySpecs;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeeDiffStrategyTest extends NdTestBase {

  private static final int D = TinySpecs.D;
  private final DeeDiffStrategyFactory factory = new DeeDiffStrategyFactory();

  private static double sigmoid(double x) {
    return 1 / (1 + Math.exp(-x));
  }

  private static Parameter param(ExitStrategy s, String name) {
    Block block = s.trainable().orElseThrow();
    return block.getParameters().get(name);
  }

  /** Sets probe i to weight w (out × in, row-major) and bias b. */
  private static void setProbe(ExitStrategy s, int i, float[] w, float[] b) {
    param(s, "probe" + i + "_weight").getArray().set(w);
    param(s, "probe" + i + "_bias").getArray().set(b);
  }

  /** A probe that reads only feature 0 of each token: certainty = sigmoid(x_0) at every pixel of the patch. */
  private static void readFeatureZero(ExitStrategy s, int probes) {
    for (int i = 0; i < probes; i++) {
      float[] w = new float[4 * D];
      for (int o = 0; o < 4; o++) {
        w[o * D] = 1;
      }
      setProbe(s, i, w, new float[4]);
    }
  }

  /** Hidden states (B, 5, D) whose patch tokens carry feature 0 = value per sample (time token = 100). */
  private NDArray tokensWithFeatureZero(float... perSample) {
    float[] v = new float[perSample.length * 5 * D];
    for (int b = 0; b < perSample.length; b++) {
      v[b * 5 * D] = 100;
      for (int n = 1; n < 5; n++) {
        v[(b * 5 + n) * D] = perSample[b];
      }
    }
    return array(v, perSample.length, 5, D);
  }

  /** The certainty the UEM must give, in plain Java: linear on patch token, sigmoid, unpatchify (p=2, grid 2x2). */
  private static double certaintyRef(float[] hidden, float[] w, float[] bias, int b, int y, int x) {
    int n = (y / 2) * 2 + x / 2;
    int o = (y % 2) * 2 + (x % 2);
    double z = bias[o];
    for (int f = 0; f < D; f++) {
      z += w[o * D + f] * hidden[(b * 5 + 1 + n) * D + f];
    }
    return sigmoid(z);
  }

  @Test
  void initialUemIsHalfCertainEverywhereSoNothingExitsAtTheDefaultThreshold() {
    BackboneSpec vit = TinySpecs.vit(3);
    ExitStrategy s = create(factory, "", vit);
    NDArray hidden = array(randoms(3, 2 * 5 * D), 2, 5, D);
    FixtureExitPoint p = FixtureExitPoint.at(vit, 2, hidden);
    assertThat(bools(s.decide(p))).containsExactly(false, false);
    float[] map = s.pixelMap(p).orElseThrow().toFloatArray();
    // trunc-normal(.02) weights on inputs in [-1, 1]: sigmoid stays within 0.5 ± 0.1
    for (float c : map) {
      assertThat((double) c).isCloseTo(0.5, within(0.1));
    }
    assertThat(param(s, "probe0_bias").getArray().toFloatArray()).containsOnly(0f);
  }

  @Test
  void certaintyMapIsTheLinearSigmoidOfEachPatchTokenUnpatchified() {
    BackboneSpec vit = TinySpecs.vit(3);
    ExitStrategy s = create(factory, "", vit);
    float[] w = randoms(5, 4 * D);
    float[] bias = randoms(6, 4);
    setProbe(s, 1, w, bias);
    float[] h = randoms(7, 2 * 5 * D);
    NDArray map = s.pixelMap(FixtureExitPoint.at(vit, 1, array(h, 2, 5, D))).orElseThrow();
    assertThat(map.getShape()).isEqualTo(new Shape(2, 1, 4, 4));
    float[] got = map.toFloatArray();
    for (int b = 0; b < 2; b++) {
      for (int y = 0; y < 4; y++) {
        for (int x = 0; x < 4; x++) {
          assertThat((double) got[b * 16 + y * 4 + x]).isCloseTo(certaintyRef(h, w, bias, b, y, x), within(1e-5));
        }
      }
    }
  }

  @Test
  void samplesExitWhenTheirMeanCertaintyExceedsTheThreshold() {
    BackboneSpec vit = TinySpecs.vit(5);
    ExitStrategy s = create(factory, "threshold=0.9,patience=0", vit);
    readFeatureZero(s, 5);
    // sigmoid(3) = 0.953 > 0.9; sigmoid(2) = 0.881 < 0.9; sigmoid(-3) = 0.047
    NDArray hidden = tokensWithFeatureZero(3, 2, -3);
    assertThat(bools(s.decide(FixtureExitPoint.at(vit, 0, hidden)))).containsExactly(true, false, false);
  }

  @Test
  void patienceOneExitsAtTheSecondPassingExitPointInTheFirstHalfOnly() {
    // depth 5: first half = layers 1, 2 (2·layer <= 5); layers 3, 4 exit at the first pass
    BackboneSpec vit = TinySpecs.vit(5);
    ExitStrategy s = create(factory, "threshold=0.9", vit);
    readFeatureZero(s, 5);
    startPass(s, 3);
    NDArray passBoth = tokensWithFeatureZero(3, -3, 3);
    // exit point 0: samples 0 and 2 pass for the first time: flagged, not exited
    assertThat(bools(s.decide(FixtureExitPoint.at(vit, 0, passBoth)))).containsExactly(false, false, false);
    // exit point 1: sample 0 passes again -> exits; sample 1 passes first time -> flagged; sample 2 fails
    NDArray second = tokensWithFeatureZero(3, 3, -3);
    assertThat(bools(s.decide(FixtureExitPoint.at(vit, 1, second)))).containsExactly(true, false, false);
    // exit point 2 (second half), samples 1 and 2 still active: both pass -> both exit immediately
    NDArray third = tokensWithFeatureZero(3, 3);
    FixtureExitPoint p2 = FixtureExitPoint.at(vit, 2, third).withSamples(manager.create(new long[] {1, 2}), 3);
    assertThat(bools(s.decide(p2))).containsExactly(true, true);
    // a new pass forgets the flags
    s.startPass(new PassInfo(1, new int[] {0, 1, 2}, -1, manager));
    assertThat(bools(s.decide(FixtureExitPoint.at(vit, 0, passBoth)))).containsExactly(false, false, false);
    assertThat(bools(s.decide(FixtureExitPoint.at(vit, 1, passBoth)))).containsExactly(true, false, true);
  }

  @Test
  void patienceFlagsFollowSampleIdsWhenTheBatchIsCompacted() {
    BackboneSpec vit = TinySpecs.vit(7); // first half: layers 1..3
    ExitStrategy s = create(factory, "threshold=0.9,patience=1", vit);
    readFeatureZero(s, 7);
    startPass(s, 4);
    // exit point 0: samples 0..3; only sample 3 passes
    assertThat(bools(s.decide(FixtureExitPoint.at(vit, 0, tokensWithFeatureZero(-3, -3, -3, 3)))))
        .containsExactly(false, false, false, false);
    // exit point 1 after some other compaction: active ids [1, 3]; both pass, only id 3 was flagged
    FixtureExitPoint p1 = FixtureExitPoint.at(vit, 1, tokensWithFeatureZero(3, 3)).withSamples(
        manager.create(new long[] {1, 3}), 4);
    assertThat(bools(s.decide(p1))).containsExactly(false, true);
  }

  @Test
  void perBatchModeAveragesTheWholeBatchTensorAndReturnsAUniformMask() {
    BackboneSpec vit = TinySpecs.vit(5);
    ExitStrategy strict = create(factory, "threshold=0.9,patience=0", vit);
    ExitStrategy loose = create(factory, "threshold=0.6,patience=0", vit);
    readFeatureZero(strict, 5);
    readFeatureZero(loose, 5);
    // certainties 0.953 and sigmoid(-1) = 0.269: batch mean 0.611
    NDArray hidden = tokensWithFeatureZero(3, -1);
    FixtureExitPoint perBatch = FixtureExitPoint.at(vit, 3, hidden).inMode(DecisionMode.PER_BATCH);
    assertThat(bools(strict.decide(perBatch))).containsExactly(false, false);
    assertThat(bools(loose.decide(perBatch))).containsExactly(true, true);
    assertThat(bools(loose.decide(FixtureExitPoint.at(vit, 3, hidden)))).containsExactly(true, false);
  }

  @Test
  void timestepUemConcatenatesTheSinusoidalEmbeddingOfTheModelTime() {
    BackboneSpec vit = TinySpecs.vit(3);
    ExitStrategy s = create(factory, "uem=timestep", vit);
    // width D + 8 (embedding width = D); weights only on the embedding: [cos(t f_0..3), sin(t f_0..3)]
    float[] w = new float[4 * 2 * D];
    float[] we = randoms(11, 2 * D);
    for (int o = 0; o < 4; o++) {
      System.arraycopy(we, 0, w, o * 2 * D + D, D);
    }
    setProbe(s, 0, w, new float[4]);
    float t = 250;
    double z = 0;
    for (int k = 0; k < 4; k++) {
      double f = Math.exp(-Math.log(10000) * k / 4);
      z += we[k] * Math.cos(t * f) + we[4 + k] * Math.sin(t * f);
    }
    NDArray hidden = array(randoms(12, 5 * D), 1, 5, D);
    FixtureExitPoint p = FixtureExitPoint.at(vit, 0, hidden).withModelTime(manager.create(new float[] {t}));
    float[] map = s.pixelMap(p).orElseThrow().toFloatArray();
    assertThat(map).hasSize(16);
    for (float c : map) {
      assertThat((double) c).isCloseTo(sigmoid(z), within(1e-5));
    }
    assertThat(s.describe()).contains("uem=timestep");
  }

  @Test
  void featureMapUemProjectsChannelsAndUpsamplesByTheLayoutScale() {
    BackboneSpec unet = TinySpecs.unet();
    ExitStrategy s = create(factory, "", unet);
    float[] w = randoms(21, 6);
    setProbe(s, 1, w, new float[] {0.25f});
    float[] h = randoms(22, 6 * 2 * 2); // (1, 6, 2, 2)
    float[] map = s.pixelMap(FixtureExitPoint.at(unet, 1, array(h, 1, 6, 2, 2))).orElseThrow().toFloatArray();
    assertThat(map).hasSize(16);
    for (int y = 0; y < 4; y++) {
      for (int x = 0; x < 4; x++) {
        double z = 0.25;
        for (int c = 0; c < 6; c++) {
          z += w[c] * h[c * 4 + (y / 2) * 2 + x / 2];
        }
        assertThat((double) map[y * 4 + x]).isCloseTo(sigmoid(z), within(1e-5));
      }
    }
  }

  @Test
  void macsPerDecisionCountTheUemLinearOverAllPositions() {
    BackboneSpec vit = TinySpecs.vit(3);
    // 4 patch tokens × 8 inputs × (2·2·1) outputs
    assertThat(create(factory, "", vit).macsPerDecision(vit.exitPoints().get(1))).isEqualTo(4 * 8 * 4);
    // with the time embedding: 4 × (8 + 8) × 4
    assertThat(create(factory, "uem=timestep", vit).macsPerDecision(vit.exitPoints().get(1))).isEqualTo(4 * 16 * 4);
    BackboneSpec unet = TinySpecs.unet();
    ExitStrategy s = create(factory, "", unet);
    assertThat(s.macsPerDecision(unet.exitPoints().get(0))).isEqualTo(16 * 6);
    assertThat(s.macsPerDecision(unet.exitPoints().get(1))).isEqualTo(4 * 6);
  }

  private record Case(List<float[]> hidden, List<float[]> heads, float[] noise, List<float[]> w,
      List<float[]> b, LayerwiseOutputs outputs) {}

  private Case lossCase(BackboneSpec vit, ExitStrategy s, boolean hiddenNeedsGrad) {
    int n = vit.exitPoints().size();
    List<float[]> hs = new ArrayList<>();
    List<float[]> gs = new ArrayList<>();
    List<float[]> ws = new ArrayList<>();
    List<float[]> bs = new ArrayList<>();
    List<NDArray> hidden = new ArrayList<>();
    List<NDArray> heads = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      hs.add(randoms(100 + i, 2 * 5 * D));
      gs.add(randoms(200 + i, 2 * 16));
      ws.add(randoms(300 + i, 4 * D));
      bs.add(randoms(400 + i, 4));
      setProbe(s, i, ws.get(i), bs.get(i));
      NDArray h = array(hs.get(i), 2, 5, D);
      if (hiddenNeedsGrad) {
        h.setRequiresGradient(true);
      }
      hidden.add(h);
      heads.add(array(gs.get(i), 2, 1, 4, 4));
    }
    float[] noise = randoms(500, 2 * 16);
    LayerwiseOutputs out = new LayerwiseOutputs(hidden, heads, array(noise, 2, 1, 4, 4),
        manager.create(new float[] {10, 900}), vit);
    return new Case(hs, gs, noise, ws, bs, out);
  }

  @Test
  void objectiveMatchesTheOfficialLossesComputedByHand() {
    BackboneSpec vit = TinySpecs.vit(3);
    ExitStrategy s = create(factory, "lambda=0.5,beta=2", vit);
    Case c = lossCase(vit, s, false);
    ObjectiveValue v = s.objective().orElseThrow().loss(c.outputs(), new ParameterStore(manager, false));
    assertMatchesHandComputed(v, c, new int[] {0, 1, 2}, 0.5, 2);
  }

  @Test
  void aSampleOfTheExitsTrainsEachGivenHeadWithItsOwnUemAndAveragesOverThem() {
    BackboneSpec vit = TinySpecs.vit(3);
    ExitStrategy s = create(factory, "lambda=0.5,beta=2", vit);
    assertThat(s.objective().orElseThrow().supportsExitSampling()).isTrue();
    Case c = lossCase(vit, s, false);
    LayerwiseOutputs sampled = new LayerwiseOutputs(c.outputs().hidden().subList(1, 3),
        c.outputs().heads().subList(1, 3), c.outputs().noise(), c.outputs().modelTime(), vit, null, List.of(1, 2));
    ObjectiveValue v = s.objective().orElseThrow().loss(sampled, new ParameterStore(manager, false));
    assertMatchesHandComputed(v, c, new int[] {1, 2}, 0.5, 2); // exit 1 with UEM 1, not UEM 0
  }

  /** The official DeeDiff terms by hand over the exits given, each with its own UEM (the last one is the final). */
  private void assertMatchesHandComputed(ObjectiveValue v, Case c, int[] exits, double lambda, double beta) {
    int last = exits[exits.length - 1];
    double simple = 0;
    for (int k = 0; k < 32; k++) {
      simple += Math.pow(c.heads().get(last)[k] - c.noise()[k], 2) / 32;
    }
    int n = exits.length;
    double lu = 0;
    double[] cbar = new double[n];
    double[] mse = new double[n];
    for (int j = 0; j < n; j++) {
      int i = exits[j];
      double sq = 0;
      for (int b = 0; b < 2; b++) {
        for (int y = 0; y < 4; y++) {
          for (int x = 0; x < 4; x++) {
            int k = b * 16 + y * 4 + x;
            double cert = certaintyRef(c.hidden().get(i), c.w().get(i), c.b().get(i), b, y, x);
            double g = c.heads().get(i)[k];
            double target = 1 - Math.tanh(Math.abs(g - c.noise()[k]));
            sq += Math.pow(cert - target, 2) / 32;
            cbar[j] += cert / 32;
            mse[j] += Math.pow(c.noise()[k] - g, 2) / 32;
          }
        }
      }
      lu += sq / n;
    }
    double ual = 0;
    double cs = java.util.Arrays.stream(cbar).sum();
    for (int j = 0; j < n; j++) {
      ual += cbar[j] / cs * mse[j];
    }
    assertThat((double) v.terms().get("simple").getFloat()).isCloseTo(simple, within(1e-5));
    assertThat((double) v.terms().get("uem").getFloat()).isCloseTo(lu, within(1e-5));
    assertThat((double) v.terms().get("ual").getFloat()).isCloseTo(ual, within(1e-5));
    assertThat((double) v.total().getFloat()).isCloseTo(simple + lambda * lu + beta * ual, within(1e-5));
  }

  @Test
  void uemLossDoesNotReachTheHiddenStatesButTrainsTheUem() {
    BackboneSpec vit = TinySpecs.vit(3);
    ExitStrategy s = create(factory, "", vit);
    Case c = lossCase(vit, s, true);
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      ObjectiveValue v = s.objective().orElseThrow().loss(c.outputs(), new ParameterStore(manager, false));
      gc.backward(v.terms().get("uem"));
    }
    for (NDArray h : c.outputs().hidden()) {
      assertThat(h.getGradient().abs().sum().getFloat()).isZero();
    }
    for (int i = 0; i < 3; i++) {
      assertThat(param(s, "probe" + i + "_weight").getArray().getGradient().abs().sum().getFloat()).isPositive();
    }
  }

  @Test
  void ualWeightsAreNotDetachedSoTheyAlsoTrainTheUem() {
    BackboneSpec vit = TinySpecs.vit(3);
    ExitStrategy s = create(factory, "", vit);
    Case c = lossCase(vit, s, false);
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      ObjectiveValue v = s.objective().orElseThrow().loss(c.outputs(), new ParameterStore(manager, false));
      gc.backward(v.terms().get("ual"));
    }
    assertThat(param(s, "probe0_bias").getArray().getGradient().abs().sum().getFloat()).isPositive();
  }

  @Test
  void uemParametersSurviveASaveLoadRoundTrip() throws Exception {
    BackboneSpec vit = TinySpecs.vit(3);
    ExitStrategy trained = create(factory, "", vit);
    setProbe(trained, 2, randoms(31, 4 * D), randoms(32, 4));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    trained.trainable().orElseThrow().saveParameters(new DataOutputStream(bytes));

    ExitStrategy fresh = create(factory, "", vit);
    fresh.trainable().orElseThrow().loadParameters(manager,
        new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
    for (String name : List.of("probe0_weight", "probe2_weight", "probe2_bias")) {
      assertThat(param(fresh, name).getArray().toFloatArray()).containsExactly(
          param(trained, name).getArray().toFloatArray());
    }
    NDArray hidden = array(randoms(33, 2 * 5 * D), 2, 5, D);
    assertThat(fresh.pixelMap(FixtureExitPoint.at(vit, 2, hidden)).orElseThrow().toFloatArray())
        .containsExactly(trained.pixelMap(FixtureExitPoint.at(vit, 2, hidden)).orElseThrow().toFloatArray());
  }

  @Test
  void badParametersFailWithMessagesNamingThem() {
    BackboneSpec vit = TinySpecs.vit(3);
    assertThatThrownBy(() -> create(factory, "threshold=1.5", vit))
        .hasMessage("exit strategy 'deediff': parameter 'threshold' must be in [0.0, 1.0], got 1.5");
    assertThatThrownBy(() -> create(factory, "treshold=0.9", vit))
        .hasMessage("exit strategy 'deediff': unknown parameter 'treshold'; known: "
            + "[beta, lambda, patience, threshold, times, uem]");
    assertThatThrownBy(() -> create(factory, "uem=pixel", vit))
        .hasMessage("exit strategy 'deediff': parameter 'uem' must be one of [token, timestep], got 'pixel'");
    assertThatThrownBy(() -> create(factory, "lambda=-1", vit))
        .hasMessage("exit strategy 'deediff': parameter 'lambda' must be >= 0, got -1");
    assertThatThrownBy(() -> create(factory, "patience=-1", vit))
        .hasMessage("exit strategy 'deediff': parameter 'patience' must be in [0, 1000], got -1");
  }

  @Test
  void describeNamesEveryEffectiveParameter() {
    assertThat(create(factory, "threshold=0.92", TinySpecs.vit(3)).describe())
        .isEqualTo("deediff(threshold=0.92, patience=1, uem=token, lambda=1.0, beta=1.0)");
  }

  /** What the runner does before a pass: start a run over {@code batch} samples and a pass over all of them. */
  private void startPass(ExitStrategy s, int batch) {
    s.startRun(new RunInfo(batch, 1, DecisionMode.PER_SAMPLE, manager));
    int[] ids = new int[batch];
    java.util.Arrays.setAll(ids, i -> i);
    s.startPass(new PassInfo(0, ids, -1, manager));
  }
}
