package io.diffexit.backbones.unet;

import static io.diffexit.backbones.unet.UNetFixtures.images;
import static io.diffexit.backbones.unet.UNetFixtures.mask;
import static io.diffexit.backbones.unet.UNetFixtures.randomize;
import static io.diffexit.backbones.unet.UNetFixtures.sample;
import static io.diffexit.backbones.unet.UNetFixtures.store;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import io.diffexit.api.BackboneContext;
import io.diffexit.api.NoiseSchedule;
import io.diffexit.api.Pass;
import io.diffexit.backbones.nn.BilinearResize;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Exit heads that predict x̂₀ at their own resolution and are turned into ε with the full-resolution x_t. */
class UNetX0ExitTest {

  /** DDPM's linear β over T = 20, with model time = index (the built-in convention), written out here. */
  static final NoiseSchedule SCHEDULE = new NoiseSchedule() {
    @Override
    public String name() {
      return "test-linear(T=20)";
    }

    @Override
    public int trainTimesteps() {
      return 20;
    }

    @Override
    public double beta(int t) {
      return 0.01 + 0.3 * t / 19.0;
    }

    @Override
    public double alphaBar(int t) {
      double p = 1;
      for (int s = 0; s <= t; s++) {
        p *= 1 - beta(s);
      }
      return p;
    }

    @Override
    public double alphaBarAt(double t) {
      return alphaBar((int) Math.round(t * 20) - 1);
    }

    @Override
    public double modelTime(double t) {
      return t * 20 - 1;
    }
  };

  private static final float[] TIMES = {0f, 5f, 12f, 19f};

  private NDManager manager;
  private UNetBackbone eps;
  private UNetBackbone x0;
  private NDArray x;

  @BeforeEach
  void setUp() {
    manager = NDManager.newBaseManager();
    eps = new UNetBackbone(UNetConfig.fromParams(UNetFixtures.tinyParams()), manager, 3);
    x0 = new UNetBackbone(UNetConfig.fromParams(UNetFixtures.tinyParams().with("exit-target", "x0")), manager, 3,
        SCHEDULE);
    randomize(eps, 11);
    randomize(x0, 11); // same names, same draws: the two networks have identical weights
    x = images(manager, eps.config(), TIMES.length, 5);
  }

  @AfterEach
  void tearDown() {
    eps.close();
    x0.close();
    manager.close();
  }

  @Test
  void bilinearMatrixIsPyTorchsAlignCornersFalse() {
    // F.interpolate([[1, 2], [3, 4]], size=4, mode='bilinear', align_corners=False)
    NDArray in = manager.create(new float[] {1, 2, 3, 4}).reshape(1, 1, 2, 2);
    try (var k = new io.diffexit.backbones.nn.DeviceConstants(manager)) {
      assertThat(BilinearResize.resize(in, 4, 4, k).toFloatArray()).containsExactly(
          1f, 1.25f, 1.75f, 2f,
          1.5f, 1.75f, 2.25f, 2.5f,
          2.5f, 2.75f, 3.25f, 3.5f,
          3f, 3.25f, 3.75f, 4f);
    }
    assertThat(BilinearResize.macs(2, 2, 4, 4)).isEqualTo(2 * 2 * 4 + 4 * 2 * 4);
  }

  @Test
  void lowResolutionHeadsGiveEpsilonFromXtAndTheUpsampledX0AndTheLastHeadIsUnchanged() {
    Pass pe = eps.begin(store(manager), x, manager.create(TIMES), false);
    Pass px = x0.begin(store(manager), x, manager.create(TIMES), false);
    int exits = pe.exitPoints();
    for (int e = 0; e < exits; e++) {
      pe.advance();
      px.advance();
      NDArray epsHead = pe.head();
      NDArray x0Head = px.head();
      if (e == exits - 1) {
        assertThat(x0Head.toFloatArray()).containsExactly(epsHead.toFloatArray());
        continue;
      }
      // the ε head nearest-upsamples the conv output 4×4 → 8×8; every second pixel is the raw output
      NDArray raw = epsHead.get(new NDIndex(":, :, ::2, ::2"));
      float[] up = bilinearByHand(raw.toFloatArray(), TIMES.length, 4, 8);
      float[] xs = x.toFloatArray();
      float[] got = x0Head.toFloatArray();
      int per = 64;
      for (int b = 0; b < TIMES.length; b++) {
        double ab = SCHEDULE.alphaBar((int) TIMES[b]);
        for (int i = 0; i < per; i++) {
          int j = b * per + i;
          double want = (xs[j] - Math.sqrt(ab) * up[j]) / Math.sqrt(1 - ab);
          assertThat((double) got[j]).as("exit %d sample %d pixel %d", e, b, i)
              .isCloseTo(want, within(1e-4 * Math.max(1, Math.abs(want))));
          // and DDIM's x̂₀ = (x_t − √(1−ᾱ)·ε)/√ᾱ recovers the upsampled prediction
          double implied = (xs[j] - Math.sqrt(1 - ab) * got[j]) / Math.sqrt(ab);
          assertThat(implied).isCloseTo(up[j], within(1e-3));
        }
      }
    }
  }

  @Test
  void compactionKeepsXtAndTheScalesOfTheRemainingSamples() {
    var alone = UNetFixtures.allHeads(x0, manager, x, manager.create(TIMES));
    Pass pass = x0.begin(store(manager), x, manager.create(TIMES), false);
    pass.advance();
    pass.retain(mask(manager, false, true, false, true));
    for (int e = 1; e < pass.exitPoints(); e++) {
      pass.advance();
      float[] heads = pass.head().toFloatArray();
      float[] all = alone.get(e);
      assertThat(sample(heads, 0, 2)).containsExactly(sample(all, 1, 4));
      assertThat(sample(heads, 1, 2)).containsExactly(sample(all, 3, 4));
    }
  }

  @Test
  void x0HeadsChargeTheUpsamplingAndTheConversion() {
    long epsMid = eps.spec().exitPoints().get(0).headMacs();
    long x0Mid = x0.spec().exitPoints().get(0).headMacs();
    assertThat(x0Mid - epsMid).isEqualTo(BilinearResize.macs(4, 4, 8, 8) + 2 * 64);
    assertThat(x0.spec().exitPoints().get(2).headMacs()).isEqualTo(eps.spec().exitPoints().get(2).headMacs());
    assertThat(x0.spec().config().get("exit-target")).contains("x0");
  }

  @Test
  void x0HeadsWithoutAScheduleAreRefusedAndUnknownTargetsNamed() {
    var factory = new UNetFactory();
    assertThatThrownBy(() -> factory.create(UNetFixtures.tinyParams().with("exit-target", "x0"),
            new BackboneContext(manager, 0)))
        .hasMessage("backbone 'unet': exit-target=x0 needs the noise schedule the model is trained for, and the host"
            + " gave none (BackboneContext.schedule); use exit-target=eps");
    assertThatThrownBy(() -> UNetConfig.fromParams(UNetFixtures.tinyParams().with("exit-target", "v")))
        .hasMessage("backbone 'unet': parameter 'exit-target' must be eps or x0, got 'v'");
  }

  @Test
  void defaultTimeOfModelTimeInvertsModelTime() {
    assertThat(SCHEDULE.timeOfModelTime(SCHEDULE.modelTime(0.35))).isCloseTo(0.35, within(1e-12));
    assertThat(SCHEDULE.timeOfModelTime(19)).isCloseTo(1.0, within(1e-12));
  }

  /** (B, 1, n, n) → (B, 1, m, m) by PyTorch's bilinear rule, written out per pixel. */
  private static float[] bilinearByHand(float[] in, int batch, int n, int m) {
    float[] out = new float[batch * m * m];
    for (int b = 0; b < batch; b++) {
      for (int i = 0; i < m; i++) {
        double si = Math.max(0, (i + 0.5) * n / m - 0.5);
        int i0 = (int) Math.floor(si);
        int i1 = Math.min(i0 + 1, n - 1);
        double li = si - i0;
        for (int j = 0; j < m; j++) {
          double sj = Math.max(0, (j + 0.5) * n / m - 0.5);
          int j0 = (int) Math.floor(sj);
          int j1 = Math.min(j0 + 1, n - 1);
          double lj = sj - j0;
          int o = b * n * n;
          double v = (1 - li) * ((1 - lj) * in[o + i0 * n + j0] + lj * in[o + i0 * n + j1])
              + li * ((1 - lj) * in[o + i1 * n + j0] + lj * in[o + i1 * n + j1]);
          out[b * m * m + i * m + j] = (float) v;
        }
      }
    }
    return out;
  }
}
