package io.diffexit.strategies.similarity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import io.diffexit.api.BackboneSpec;
import io.diffexit.api.DecisionMode;
import io.diffexit.api.ExitStrategy;
import io.diffexit.api.LayerwiseOutputs;
import io.diffexit.api.ObjectiveValue;
import io.diffexit.strategies.NdTestBase;
import io.diffexit.strategies.similarity.SimilarityStrategy.Comparison;
import io.diffexit.testkit.FixtureExitPoint;
import io.diffexit.testkit.TinySpecs;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SimilarityStrategyTest extends NdTestBase {

  private static final int D = TinySpecs.D;
  private final SimilarityStrategyFactory factory = new SimilarityStrategyFactory();

  @Test
  void exitsWhereTheFlattenedHiddenStatesOfAdjacentExitPointsAreNearlyParallel() {
    BackboneSpec vit = TinySpecs.vit(3);
    ExitStrategy s = create(factory, "threshold=0.99", vit);
    float[] a = randoms(1, 5 * D);
    float[] scaled = new float[a.length]; // 2a: cosine 1
    float[] bent = a.clone(); // a with one entry flipped: cosine < 0.99
    for (int k = 0; k < a.length; k++) {
      scaled[k] = 2 * a[k];
    }
    bent[0] = -bent[0] + 3;
    float[] prev = new float[2 * 5 * D];
    float[] cur = new float[2 * 5 * D];
    System.arraycopy(a, 0, prev, 0, a.length);
    System.arraycopy(a, 0, prev, a.length, a.length);
    System.arraycopy(scaled, 0, cur, 0, a.length);
    System.arraycopy(bent, 0, cur, a.length, a.length);
    double dot = 0;
    double na = 0;
    double nb = 0;
    for (int k = 0; k < a.length; k++) {
      dot += a[k] * bent[k];
      na += a[k] * a[k];
      nb += bent[k] * bent[k];
    }
    assertThat(dot / Math.sqrt(na * nb)).isLessThan(0.99);
    FixtureExitPoint p = FixtureExitPoint.at(vit, 1, array(cur, 2, 5, D)).withPrevious(array(prev, 2, 5, D));
    assertThat(bools(s.decide(p))).containsExactly(true, false);
    // per batch: one cosine over the whole flattened batch, (2·|a|² + a·bent) / (|a|√2 · √(4|a|² + |bent|²))
    double batchCos = (2 * na + dot) / (Math.sqrt(2 * na) * Math.sqrt(4 * na + nb));
    boolean expected = batchCos > 0.99;
    assertThat(bools(s.decide(p.inMode(DecisionMode.PER_BATCH)))).containsExactly(expected, expected);
  }

  @Test
  void neverExitsAtTheFirstExitPoint() {
    BackboneSpec vit = TinySpecs.vit(3);
    ExitStrategy s = create(factory, "threshold=0", vit);
    NDArray h = array(randoms(2, 2 * 5 * D), 2, 5, D);
    assertThat(bools(s.decide(FixtureExitPoint.at(vit, 0, h)))).containsExactly(false, false);
  }

  @Test
  void cosineIsTheNormalisedDotProductPerRow() {
    NDArray a = array(new float[] {1, 0, 3, 4}, 2, 2);
    NDArray b = array(new float[] {0, 1, 6, 8}, 2, 2);
    assertThat(SimilarityStrategy.cosine(a, b).toFloatArray()).containsExactly(0f, 1f);
  }

  @Test
  void featureMapsWithEqualChannelsArePooledAndOthersCompareHeads() {
    BackboneSpec unet = TinySpecs.unet();
    SimilarityStrategy s = (SimilarityStrategy) create(factory, "threshold=0.99", unet);
    assertThat(s.comparison(0)).isEqualTo(Comparison.NONE);
    assertThat(s.comparison(1)).isEqualTo(Comparison.POOLED_HIDDEN);
    assertThat(s.comparison(2)).isEqualTo(Comparison.HEADS);

    // exit point 1: previous (1, 6, 4, 4) pools (2x2 means) to exactly the current (1, 6, 2, 2) for sample 0
    float[] prev = randoms(3, 2 * 6 * 16);
    float[] cur = new float[2 * 6 * 4];
    for (int b = 0; b < 2; b++) {
      for (int c = 0; c < 6; c++) {
        for (int y = 0; y < 2; y++) {
          for (int x = 0; x < 2; x++) {
            float m = 0;
            for (int dy = 0; dy < 2; dy++) {
              for (int dx = 0; dx < 2; dx++) {
                m += prev[((b * 6 + c) * 4 + 2 * y + dy) * 4 + 2 * x + dx] / 4;
              }
            }
            cur[((b * 6 + c) * 2 + y) * 2 + x] = b == 0 ? m : -m;
          }
        }
      }
    }
    NDArray headsAt1 = array(randoms(4, 3 * 16), 3, 1, 4, 4);
    FixtureExitPoint p1 = FixtureExitPoint.at(unet, 1, array(cur, 2, 6, 2, 2)).withPrevious(array(prev, 2, 6, 4, 4))
        .withHead(headsAt1.get("0:2"));
    assertThat(bools(s.decide(p1))).containsExactly(true, false);
    assertThat(p1.headCalls()).as("the next exit point compares heads, so this head is kept").isEqualTo(1);

    // exit point 2: sample 0 exited, active ids [1]; its head equals the kept head of sample 1 -> cosine 1
    NDArray headAt2 = headsAt1.get("1:2").mul(3);
    FixtureExitPoint p2 = FixtureExitPoint.at(unet, 2, array(randoms(5, 12), 1, 3, 2, 2))
        .withSamples(manager.create(new long[] {1}), 2).withHead(headAt2);
    assertThat(bools(s.decide(p2))).containsExactly(true);
  }

  @Test
  void objectiveWeighsDeeperExitPointsLinearly() {
    BackboneSpec vit = TinySpecs.vit(3);
    ExitStrategy s = create(factory, "", vit);
    List<NDArray> heads = new ArrayList<>();
    List<NDArray> hidden = new ArrayList<>();
    float[] noise = randoms(9, 16);
    double[] mse = new double[3];
    for (int i = 0; i < 3; i++) {
      float[] g = randoms(10 + i, 16);
      for (int k = 0; k < 16; k++) {
        mse[i] += Math.pow(g[k] - noise[k], 2) / 16;
      }
      heads.add(array(g, 1, 1, 4, 4));
      hidden.add(array(new float[5 * D], 1, 5, D));
    }
    ObjectiveValue v = s.objective().orElseThrow().loss(new LayerwiseOutputs(hidden, heads,
        array(noise, 1, 1, 4, 4), manager.create(new float[] {3}), vit), new ParameterStore(manager, false));
    double layerwise = (1 * mse[0] + 2 * mse[1] + 3 * mse[2]) / 6;
    assertThat((double) v.terms().get("layerwise").getFloat()).isCloseTo(layerwise, within(1e-5));
    assertThat((double) v.terms().get("simple").getFloat()).isCloseTo(mse[2], within(1e-5));
    assertThat((double) v.total().getFloat()).isCloseTo(mse[2] + layerwise, within(1e-5));
    // a sample of the exits {0, 2}: weights 1 and 3 by exit index, normalised over the two
    assertThat(s.objective().orElseThrow().supportsExitSampling()).isTrue();
    ObjectiveValue sampled = s.objective().orElseThrow().loss(new LayerwiseOutputs(List.of(hidden.get(0),
        hidden.get(2)), List.of(heads.get(0), heads.get(2)), array(noise, 1, 1, 4, 4), manager.create(new float[] {3}),
        vit, null, List.of(0, 2)), new ParameterStore(manager, false));
    assertThat((double) sampled.terms().get("layerwise").getFloat())
        .isCloseTo((1 * mse[0] + 3 * mse[2]) / 4, within(1e-5));
  }

  @Test
  void macsPerDecisionCountTheCosineOverTheComparedValues() {
    BackboneSpec vit = TinySpecs.vit(3);
    ExitStrategy s = create(factory, "", vit);
    assertThat(s.macsPerDecision(vit.exitPoints().get(0))).isZero();
    assertThat(s.macsPerDecision(vit.exitPoints().get(1))).isEqualTo(3 * 5 * D);
    BackboneSpec unet = TinySpecs.unet();
    ExitStrategy u = create(factory, "", unet);
    assertThat(u.macsPerDecision(unet.exitPoints().get(1))).as("pooled to 6x2x2").isEqualTo(3 * 24);
    assertThat(u.macsPerDecision(unet.exitPoints().get(2))).as("heads 1x4x4").isEqualTo(3 * 16);
  }

  @Test
  void thresholdOutsideUnitIntervalIsRefused() {
    assertThatThrownBy(() -> create(factory, "threshold=2", TinySpecs.vit(3)))
        .hasMessage("exit strategy 'similarity': parameter 'threshold' must be in [0.0, 1.0], got 2");
  }
}
