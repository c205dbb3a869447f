package io.diffexit.backbones.unet;

import static io.diffexit.backbones.unet.UNetFixtures.images;
import static io.diffexit.backbones.unet.UNetFixtures.mask;
import static io.diffexit.backbones.unet.UNetFixtures.sample;
import static io.diffexit.backbones.unet.UNetFixtures.store;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.diffexit.api.Pass;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Batch compaction: a sample's prediction must not depend on which other samples share its batch or have exited.
 * Uses the three-level odd-size config (10→5→3), whose decoder consumes nine pending skips, with random weights.
 */
class UNetCompactionTest {

  private static final float[] TIMES = {3f, 250f, 600f, 999f};
  private static NDManager manager;
  private static UNetBackbone backbone;
  private static NDArray x;
  /** alone.get(i).get(e): sample i's head at exit point e when run alone */
  private static List<List<float[]>> alone;

  @BeforeAll
  static void setUp() {
    manager = NDManager.newBaseManager();
    backbone = new UNetBackbone(UNetConfig.fromParams(UNetFixtures.oddParams()), manager, 2);
    UNetFixtures.randomize(backbone, 9);
    x = images(manager, backbone.config(), 4, 21);
    alone = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      alone.add(UNetFixtures.allHeads(backbone, manager, one(i), manager.create(new float[] {TIMES[i]})));
    }
  }

  @AfterAll
  static void tearDown() {
    backbone.close();
    manager.close();
  }

  private static NDArray one(int i) {
    return x.get(i + ":" + (i + 1));
  }

  private static void assertClose(float[] actual, float[] expected, String what) {
    assertThat(actual).as(what).hasSameSizeAs(expected);
    double scale = 0;
    for (float e : expected) {
      scale = Math.max(scale, Math.abs(e));
    }
    assertThat(scale).as(what + " is not trivially zero").isGreaterThan(1e-3);
    for (int i = 0; i < expected.length; i++) {
      assertThat((double) Math.abs(actual[i] - expected[i])).as(what + " element " + i).isLessThanOrEqualTo(1e-4 * (1 + scale));
    }
  }

  @Test
  void retainKeepsOnlySelectedSamplesAndTheirSkips() {
    Pass pass = backbone.begin(store(manager), x, manager.create(TIMES), false);
    int[] ids = {0, 1, 2, 3};
    boolean[][] keeps = {{true, false, true, true}, {true, true, false}, {false, true}};
    for (int e = 0; e < pass.exitPoints(); e++) {
      pass.advance();
      float[] heads = pass.head().toFloatArray();
      for (int j = 0; j < ids.length; j++) {
        assertClose(sample(heads, j, ids.length), alone.get(ids[j]).get(e), "sample " + ids[j] + " at exit " + e);
      }
      if (e < keeps.length) {
        pass.retain(mask(manager, keeps[e]));
        int[] kept = new int[pass.active() > 0 ? (int) pass.active() : 0];
        int n = 0;
        for (int j = 0; j < ids.length; j++) {
          if (keeps[e][j]) {
            kept[n++] = ids[j];
          }
        }
        ids = kept;
        assertThat(pass.active()).isEqualTo(ids.length);
      }
    }
    assertThat(ids).containsExactly(2);
  }

  @Test
  void aSamplesHeadsDoNotDependOnTheOtherSamplesInItsBatch() {
    NDArray batch = NDArrays.concat(new NDList(one(2), one(0), one(2)), 0);
    Pass pass = backbone.begin(store(manager), batch, manager.create(new float[] {TIMES[2], TIMES[0], TIMES[2]}), false);
    for (int e = 0; e < pass.exitPoints(); e++) {
      pass.advance();
      float[] heads = pass.head().toFloatArray();
      assertClose(sample(heads, 0, 3), alone.get(2).get(e), "sample 2 first at exit " + e);
      assertClose(sample(heads, 1, 3), alone.get(0).get(e), "sample 0 at exit " + e);
      assertClose(sample(heads, 2, 3), alone.get(2).get(e), "sample 2 last at exit " + e);
    }
  }

  @Test
  void retainBeforeTheFirstExitPointCompactsTheEmbeddingAndConvIn() {
    Pass pass = backbone.begin(store(manager), x, manager.create(TIMES), false);
    pass.retain(mask(manager, false, false, true, true));
    for (int e = 0; e < pass.exitPoints(); e++) {
      pass.advance();
      float[] heads = pass.head().toFloatArray();
      assertClose(sample(heads, 0, 2), alone.get(2).get(e), "sample 2 at exit " + e);
      assertClose(sample(heads, 1, 2), alone.get(3).get(e), "sample 3 at exit " + e);
    }
  }

  @Test
  void retainAlsoCompactsAnAlreadyEvaluatedHeadAndTheHiddenState() {
    Pass pass = backbone.begin(store(manager), x, manager.create(TIMES), false);
    NDArray hidden = pass.advance();
    float[] hiddenBefore = hidden.toFloatArray();
    float[] headBefore = pass.head().toFloatArray();
    pass.retain(mask(manager, false, true, false, false));
    assertThat(pass.head().getShape()).isEqualTo(new Shape(1, 2, 10, 10));
    assertThat(pass.head().toFloatArray()).containsExactly(sample(headBefore, 1, 4));
    // the caller's array stays valid and unchanged
    assertThat(hidden.toFloatArray()).containsExactly(hiddenBefore);
  }

  @Test
  void retainingNoSampleLeavesAnEmptyBatchThatStillAdvances() {
    Pass pass = backbone.begin(store(manager), x, manager.create(TIMES), false);
    pass.advance();
    pass.retain(mask(manager, false, false, false, false));
    assertThat(pass.active()).isZero();
    while (pass.position() < pass.exitPoints() - 1) {
      assertThat(pass.advance().getShape().get(0)).isZero();
      assertThat(pass.head().getShape()).isEqualTo(new Shape(0, 2, 10, 10));
    }
  }

  @Test
  void retainRefusesAMaskOfTheWrongLengthOrType() {
    Pass pass = backbone.begin(store(manager), x, manager.create(TIMES), false);
    pass.advance();
    assertThatThrownBy(() -> pass.retain(mask(manager, true, false)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("backbone 'unet': retain needs a boolean mask of shape (4), got boolean (2)");
    assertThatThrownBy(() -> pass.retain(manager.create(new float[] {1, 0, 1, 1})))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("backbone 'unet': retain needs a boolean mask of shape (4), got float32 (4)");
  }
}
