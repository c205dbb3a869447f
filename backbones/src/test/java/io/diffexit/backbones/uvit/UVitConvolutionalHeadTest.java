package io.diffexit.backbones.uvit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import io.diffexit.api.BackboneContext;
import io.diffexit.api.BackboneSpec;
import io.diffexit.api.NoiseSchedule;
import io.diffexit.testkit.LinearSchedule;
import io.diffexit.api.Params;
import io.diffexit.api.Pass;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The convolutional head ({@code head-channels=K}: stem features of x, decoded channels, two 3×3 convs) and the v
 * head ({@code prediction=v}).
 */
class UVitConvolutionalHeadTest {

  /** TinyUVit's shape (2×8×12, patch 2, D 16, 5 blocks) with K = 3. */
  private static final Params PARAMS =
      Params.parse("channels=2,height=8,width=12,patch=2,dim=16,depth=5,heads=2,mlp-ratio=4,head-channels=3");

  /** DDPM's linear β 1e-4..0.02 over T = 1000, model time = index (the built-in convention). */
  private static final NoiseSchedule SCHEDULE = new LinearSchedule(1000);

  private static NDManager root;
  private static UVitBackbone backbone;
  private static ParameterStore store;

  @BeforeAll
  static void setUp() {
    root = NDManager.newBaseManager();
    backbone = (UVitBackbone) new UVitFactory().create(PARAMS, new BackboneContext(root, 7));
    store = new ParameterStore(root, false);
  }

  @AfterAll
  static void tearDown() {
    backbone.close();
    root.close();
  }

  @Test
  void costsAndParameterCountAreTheHandCounts() {
    UVitConfig c = backbone.config();
    BackboneSpec spec = backbone.spec();
    // stem 3x3 conv 2->3 on 8x12 pixels: 9*2*3*96 = 5184, plus the patch embedding 24*16*2*4 = 3072
    assertThat(spec.embedMacs()).isEqualTo(5_184L + 3_072L);
    // decoder 24 tokens * 16 * (4*3) = 4608; conv1 6->3: 9*18*96 = 15552; conv2 3->2: 9*6*96 = 5184
    assertThat(spec.exitPoints().get(0).headMacs()).isEqualTo(4_608L + 15_552L + 5_184L);
    long plain = new UVitFactory().create(TinyUVit.PARAMS, new BackboneContext(root, 7)).spec().parameterCount();
    // the plain head has decoder 16*8+8 = 136 and final_layer 2*2*9+2 = 38; this one decoder 16*12+12 = 204,
    // conv1 3*6*9+3 = 165, conv2 2*3*9+2 = 56 and the stem 3*2*9+3 = 57
    assertThat(spec.parameterCount()).isEqualTo(plain - 136 - 38 + 204 + 165 + 56 + 57);
    assertThat(UVitCostModel.fullMacs(c))
        .isEqualTo(spec.embedMacs() + spec.exitPoints().get(0).headMacs() + 5 * UVitCostModel.blockMacs(c)
            + 2 * UVitCostModel.skipMacs(c));
  }

  @Test
  void passFinalHeadEqualsTheBlocksFullForward() {
    try (NDManager m = root.newSubManager()) {
      NDArray x = TinyUVit.images(m, 3, 1);
      NDArray t = m.create(new float[] {5, 500, 900});
      NDArray full = backbone.block().forward(store, new NDList(x, t), false).head();
      NDArray out = TinyUVit.advanceToOutput(backbone.begin(store, x, t, false));
      assertThat(out.allClose(full, 1e-6, 1e-6, false)).isTrue();
    }
  }

  @Test
  void theHeadReadsTheInputAtFullResolutionNotOnlyTheTokens() {
    try (NDManager m = root.newSubManager()) {
      NDArray x = TinyUVit.images(m, 1, 2);
      NDArray t = m.create(new float[] {400});
      Pass pass = backbone.begin(store, x, t, false);
      NDArray tokens = pass.advance();
      NDArray own = pass.head();
      Pass other = backbone.begin(store, TinyUVit.images(m, 1, 9), t, false);
      other.advance();
      // the same tokens under another input's stem give another prediction
      assertThat(other.head(0, tokens).sub(own).abs().max().getFloat()).isGreaterThan(1e-4f);
    }
  }

  @Test
  void retainCompactsTheStemFeaturesWithTheSamples() {
    try (NDManager m = root.newSubManager()) {
      NDArray x = TinyUVit.images(m, 3, 3);
      NDArray t = m.create(new float[] {10, 300, 800});
      Pass pass = backbone.begin(store, x, t, false);
      pass.advance();
      pass.retain(m.create(new boolean[] {true, false, true}));
      for (int i = 1; i < 5; i++) {
        pass.advance();
      }
      NDArray kept = pass.head();
      NDArray full = backbone.block().forward(store, new NDList(x, t), false).head();
      assertThat(kept.get(0).allClose(full.get(0), 1e-5, 1e-5, false)).isTrue();
      assertThat(kept.get(1).allClose(full.get(2), 1e-5, 1e-5, false)).isTrue();
    }
  }

  @Test
  void aHeadOnChosenRowsUsesThoseSamplesStemFeatures() {
    try (NDManager m = root.newSubManager()) {
      NDArray x = TinyUVit.images(m, 3, 4);
      NDArray t = m.create(new float[] {20, 600, 950});
      Pass pass = backbone.begin(store, x, t, false);
      NDArray tokens = pass.advance();
      NDArray all = pass.head();
      NDArray chosen = pass.head(0, tokens.get(m.create(new boolean[] {false, true, true})),
          new boolean[] {false, true, true});
      assertThat(chosen.allClose(all.get("1:3"), 1e-6, 1e-6, false)).isTrue();
    }
  }

  @Test
  void aHeadOnSomeRowsWithoutSayingWhichFailsWithItsMessage() {
    try (NDManager m = root.newSubManager()) {
      Pass pass = backbone.begin(store, TinyUVit.images(m, 3, 5), m.create(new float[] {1, 2, 3}), false);
      NDArray tokens = pass.advance();
      assertThatThrownBy(() -> pass.head(0, tokens.get("0:2")))
          .isInstanceOf(UnsupportedOperationException.class)
          .hasMessage("uvit pass: the head reads the input (stem features, x_t for v, or in0's output for"
              + " exit-skip), so a supplied hidden state of 2 rows (of 3 active) needs head(exitPoint, hidden,"
              + " rows) to say which samples they are");
      assertThatThrownBy(() -> pass.head(0, tokens.get("0:2"), new boolean[] {true, true}))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("uvit pass: head rows must flag each of the 3 active samples, got 2");
      assertThatThrownBy(() -> pass.head(0, tokens.get("0:2"), new boolean[] {true, false, false}))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("uvit pass: 1 rows flagged but the supplied hidden state has 2");
    }
  }

  @Test
  void aVHeadReturnsEpsilonFromTheSameNetworksOutputAndIsTheInputAtHighNoise() {
    NoiseSchedule schedule = SCHEDULE;
    try (NDManager m = root.newSubManager();
        UVitBackbone v = (UVitBackbone) new UVitFactory().create(
            PARAMS.with("prediction", "v"), new BackboneContext(m, 7, schedule))) {
      NDArray x = TinyUVit.images(m, 3, 6);
      float[] times = {0, 500, 999};
      NDArray t = m.create(times);
      // same seed and parameters: the ε backbone's output is the v backbone's raw head output v̂
      NDArray raw = backbone.block().forward(store, new NDList(x, t), false).head();
      NDArray eps = v.block().forward(store, new NDList(x, t), false).head();
      NDArray out = TinyUVit.advanceToOutput(v.begin(store, x, t, false));
      assertThat(out.allClose(eps, 1e-6, 1e-6, false)).isTrue();
      for (int i = 0; i < 3; i++) {
        double ab = schedule.alphaBarAt(schedule.timeOfModelTime(times[i]));
        NDArray expected = x.get(i).mul(Math.sqrt(1 - ab)).add(raw.get(i).mul(Math.sqrt(ab)));
        assertThat(eps.get(i).allClose(expected, 1e-5, 1e-5, false)).as("sample %d", i).isTrue();
      }
      // at t = 999 (abar 4e-5) the prediction is x_t within 1%
      assertThat(eps.get(2).sub(x.get(2)).abs().max().getFloat()).isLessThan(0.01f * x.get(2).abs().max().getFloat());
      // the conversion is charged: C·H·W at each head and once with the embedding
      assertThat(v.spec().exitPoints().get(0).headMacs() - backbone.spec().exitPoints().get(0).headMacs())
          .isEqualTo(2L * 8 * 12);
      assertThat(v.spec().embedMacs() - backbone.spec().embedMacs()).isEqualTo(2L * 8 * 12);
    }
  }

  @Test
  void aVHeadWithoutTheScheduleOrAnUnknownPredictionIsRefused() {
    assertThatThrownBy(() -> new UVitFactory().create(PARAMS.with("prediction", "v"), new BackboneContext(root, 7)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("backbone 'uvit': prediction=v needs the noise schedule the model is trained for, and the host"
            + " gave none (BackboneContext.schedule); use prediction=eps");
    assertThatThrownBy(() -> UVitConfig.from(PARAMS.with("prediction", "x0")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("backbone 'uvit': parameter 'prediction' must be eps or v, got 'x0'");
  }

  @Test
  void configRoundTripsAndAPlainHeadWritesNoHeadChannels() {
    UVitConfig c = UVitConfig.from(PARAMS);
    assertThat(c.headChannels()).isEqualTo(3);
    assertThat(UVitConfig.from(c.toParams())).isEqualTo(c);
    assertThat(UVitConfig.from(TinyUVit.PARAMS).toParams().toString()).doesNotContain("head-channels")
        .doesNotContain("prediction");
    UVitConfig v = UVitConfig.from(PARAMS.with("prediction", "v"));
    assertThat(v.vPrediction()).isTrue();
    assertThat(UVitConfig.from(v.toParams())).isEqualTo(v);
    assertThatThrownBy(() -> new UVitConfig(1, 28, 28, 4, 64, 13, 4, 4.0, false, true, -1, false, false,
        UVitConfig.ExitSkip.NONE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("backbone 'uvit': parameter 'head-channels' must be 0 (U-ViT's head) or >= 1 (the"
            + " convolutional head), got -1");
  }
}
