package io.diffexit.samplers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.diffexit.api.Denoiser;
import io.diffexit.api.NoiseSchedule;
import io.diffexit.api.Params;
import io.diffexit.api.Sampler;
import io.diffexit.api.SamplingRun;
import io.diffexit.samplers.schedule.NoiseSchedules;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Each sampler's update on a 1×1×2×2 array with an ε affine in x, checked against the update rule written out in doubles in
 * the form method.md states it (not the folded coefficients the samplers use).
 */
class SamplerSingleStepTest {

  private static final float[] X = {0.3f, -1.2f, 2.0f, 0.5f};
  private static final float[] EPS = {0.1f, 0.2f, -0.3f, 0.4f};
  private static final Shape SHAPE = new Shape(1, 1, 2, 2);

  private final NDManager manager = NDManager.newBaseManager();
  private final NoiseSchedule linear = NoiseSchedules.ddpmLinear();
  private final NoiseSchedule vp = NoiseSchedules.vpSde();
  private final SeededNoise noise = new SeededNoise(7);

  /** ε depends on x (ε = EPS + C·x), so that the data prediction changes between steps and multistep terms matter. */
  private static final float C = 0.25f;

  /** The denoiser returns EPS + C·x and records what it was given. */
  private final List<float[]> inputs = new ArrayList<>();
  private final List<Float> times = new ArrayList<>();
  private final Denoiser fixed = (x, t, step) -> {
    inputs.add(x.toFloatArray());
    times.add(t.toFloatArray()[0]);
    assertThat(step).isEqualTo(inputs.size() - 1);
    return x.mul(C).add(x.getManager().create(EPS, x.getShape()));
  };

  /** @return the ε the denoiser returned at call k for element i */
  private double e(int k, int i) {
    return EPS[i] + (double) C * inputs.get(k)[i];
  }
  private int listened;

  @AfterEach
  void close() {
    manager.close();
  }

  private float[] run(Sampler sampler) {
    try (NDManager runManager = manager.newSubManager()) {
      NDArray x = manager.create(X, SHAPE);
      SamplingRun run = new SamplingRun(runManager, noise, (step, steps) -> {
        assertThat(step).isEqualTo(listened++);
        assertThat(steps).isEqualTo(sampler.evaluations());
      });
      float[] out = sampler.sample(fixed, x, run).toFloatArray();
      assertThat(x.toFloatArray()).containsExactly(X);   // the caller's noise is not modified
      assertThat(listened).isEqualTo(sampler.evaluations());
      return out;
    }
  }

  private static void assertClose(float[] actual, double[] expected) {
    assertThat(actual).hasSize(expected.length);
    for (int i = 0; i < expected.length; i++) {
      assertThat((double) actual[i]).isCloseTo(expected[i], within(1e-5 * Math.max(1.0, Math.abs(expected[i]))));
    }
  }

  @Test
  void ddimStepsThroughTheX0EstimateWithEtaZero() {
    float[] out = run(new DdimSamplerFactory().create(Params.parse("steps=2"), linear));   // timesteps 500, 0
    assertThat(times).containsExactly(500f, 0f);
    double ab = linear.alphaBar(500);
    double abPrev = linear.alphaBar(0);
    double[] x1 = new double[4];
    double[] x2 = new double[4];
    for (int i = 0; i < 4; i++) {
      double x0 = (X[i] - Math.sqrt(1 - ab) * e(0, i)) / Math.sqrt(ab);
      x1[i] = Math.sqrt(abPrev) * x0 + Math.sqrt(1 - abPrev) * e(0, i);
      x2[i] = (inputs.get(1)[i] - Math.sqrt(1 - abPrev) * e(1, i)) / Math.sqrt(abPrev);   // ᾱ_prev = 1 at the end
    }
    assertClose(inputs.get(1), x1);
    assertClose(out, x2);
  }

  @Test
  void ddimWithEtaOneAddsScaledRunNoiseAndStepsToAlphaBarZeroWhenAskedTo() {
    float[] out = run(new DdimSamplerFactory().create(
        Params.parse("steps=2,eta=1,spacing=trailing,set-alpha-to-one=false"), linear));   // timesteps 999, 499
    assertThat(times).containsExactly(999f, 499f);
    double[] x1 = new double[4];
    double[] x2 = new double[4];
    double ab = linear.alphaBar(999);
    double abPrev = linear.alphaBar(499);
    double sigma = Math.sqrt((1 - abPrev) / (1 - ab)) * Math.sqrt(1 - ab / abPrev);
    float[] z0 = noise.row(0, 0, 4);
    float[] z1 = noise.row(0, 1, 4);
    double abEnd = linear.alphaBar(0);
    double sigmaEnd = Math.sqrt((1 - abEnd) / (1 - abPrev)) * Math.sqrt(1 - abPrev / abEnd);
    for (int i = 0; i < 4; i++) {
      double x0 = (X[i] - Math.sqrt(1 - ab) * e(0, i)) / Math.sqrt(ab);
      x1[i] = Math.sqrt(abPrev) * x0 + Math.sqrt(1 - abPrev - sigma * sigma) * e(0, i) + sigma * z0[i];
      double x0b = (inputs.get(1)[i] - Math.sqrt(1 - abPrev) * e(1, i)) / Math.sqrt(abPrev);
      x2[i] = Math.sqrt(abEnd) * x0b + Math.sqrt(1 - abEnd - sigmaEnd * sigmaEnd) * e(1, i) + sigmaEnd * z1[i];
    }
    assertClose(inputs.get(1), x1);
    assertClose(out, x2);
  }

  @Test
  void ddimClipSampleClampsTheX0Estimate() {
    float[] out = run(new DdimSamplerFactory().create(Params.parse("steps=1,clip-sample=true"), linear)); // timestep 0
    double ab = linear.alphaBar(0);
    double[] expected = new double[4];
    for (int i = 0; i < 4; i++) {
      expected[i] = Math.max(-1, Math.min(1, (X[i] - Math.sqrt(1 - ab) * e(0, i)) / Math.sqrt(ab)));
    }
    assertClose(out, expected);
    assertThat(out[2]).isEqualTo(1f);
  }

  @Test
  void ddpmStepIsTheAncestralUpdateOfMethodFourFour() {
    float[] out = run(new DdpmSamplerFactory().create(Params.parse("steps=2"), linear));   // timesteps 500, 0
    assertThat(times).containsExactly(500f, 0f);
    double ab = linear.alphaBar(500);
    double abPrev = linear.alphaBar(0);
    double alpha = ab / abPrev;
    double betaTilde = (1 - alpha) * (1 - abPrev) / (1 - ab);
    float[] z0 = noise.row(0, 0, 4);
    double[] x1 = new double[4];
    double[] x2 = new double[4];
    for (int i = 0; i < 4; i++) {
      x1[i] = (X[i] - (1 - alpha) / Math.sqrt(1 - ab) * e(0, i)) / Math.sqrt(alpha) + Math.sqrt(betaTilde) * z0[i];
      // last step: α_0 = 1 − β_0, no noise
      double a0 = 1 - linear.beta(0);
      x2[i] = (inputs.get(1)[i] - (1 - a0) / Math.sqrt(1 - abPrev) * e(1, i)) / Math.sqrt(a0);
    }
    assertClose(inputs.get(1), x1);
    assertClose(out, x2);
  }

  @Test
  void sdeEulerTakesEulerMaruyamaStepsAndSkipsNoiseOnTheLastOne() {
    float[] out = run(EulerSamplerFactory.sde().create(Params.parse("steps=2,eps=0.5"), vp));   // t = 1, 0.5
    assertThat(times).containsExactly(999f, 499f);
    float[] z0 = noise.row(0, 0, 4);
    double[] x1 = new double[4];
    double[] x2 = new double[4];
    for (int i = 0; i < 4; i++) {
      double b1 = 0.1 + 19.9;
      double s1 = Math.sqrt(1 - Math.exp(-(0.1 + 0.5 * 19.9)));
      double drift = -0.5 * b1 * X[i] + b1 * e(0, i) / s1;       // f − g² score, score = −ε/σ
      x1[i] = X[i] + drift * -0.5 + Math.sqrt(b1) * Math.sqrt(0.5) * z0[i];
      double b2 = 0.1 + 0.5 * 19.9;
      double s2 = Math.sqrt(1 - Math.exp(-(0.05 + 0.125 * 19.9)));
      double y = inputs.get(1)[i];
      x2[i] = y + (-0.5 * b2 * y + b2 * e(1, i) / s2) * -0.5;
    }
    assertClose(inputs.get(1), x1);
    assertClose(out, x2);
  }

  @Test
  void odeEulerUsesHalfTheScoreTermAndNoNoise() {
    float[] out = run(EulerSamplerFactory.ode().create(Params.parse("steps=2,eps=0.5"), vp));
    double[] x1 = new double[4];
    double[] x2 = new double[4];
    for (int i = 0; i < 4; i++) {
      double b1 = 20.0;
      double s1 = Math.sqrt(1 - Math.exp(-10.05));
      x1[i] = X[i] + (-0.5 * b1 * X[i] + 0.5 * b1 * e(0, i) / s1) * -0.5;
      double b2 = 0.1 + 0.5 * 19.9;
      double s2 = Math.sqrt(1 - Math.exp(-(0.05 + 0.125 * 19.9)));
      double y = inputs.get(1)[i];
      x2[i] = y + (-0.5 * b2 * y + 0.5 * b2 * e(1, i) / s2) * -0.5;
    }
    assertClose(inputs.get(1), x1);
    assertClose(out, x2);
  }

  @Test
  void dpmSolverTakesAFirstOrderStepThenTheMidpointMultistepThenReturnsTheDataPrediction() {
    float[] out = run(new DpmSolver2MSamplerFactory().create(Params.parse("steps=3"), linear));
    assertThat(times).containsExactly(999f, 666f, 333f);   // round(linspace(0, 999, 4)) reversed, 0 dropped
    int[] ts = {999, 666, 333};
    double[] a = new double[4];
    double[] s = new double[4];
    double[] l = new double[4];
    for (int k = 0; k < 3; k++) {
      double ab = linear.alphaBar(ts[k]);
      a[k] = Math.sqrt(ab);
      s[k] = Math.sqrt(1 - ab);
      l[k] = Math.log(a[k]) - Math.log(s[k]);
    }
    double[] x1 = new double[4];
    double[] x2 = new double[4];
    double[] x3 = new double[4];
    double correction = 0;
    for (int i = 0; i < 4; i++) {
      double d0 = (X[i] - s[0] * e(0, i)) / a[0];
      double h = l[1] - l[0];
      x1[i] = s[1] / s[0] * X[i] - a[1] * (Math.exp(-h) - 1) * d0;
      double y1 = inputs.get(1)[i];
      double d1 = (y1 - s[1] * e(1, i)) / a[1];
      double h2 = l[2] - l[1];
      double r0 = (l[1] - l[0]) / h2;
      double diff = (d1 - d0) / r0;
      x2[i] = s[2] / s[1] * y1 - a[2] * (Math.exp(-h2) - 1) * d1 - 0.5 * a[2] * (Math.exp(-h2) - 1) * diff;
      x3[i] = (inputs.get(2)[i] - s[2] * e(2, i)) / a[2];
      correction = Math.max(correction, Math.abs(0.5 * a[2] * (Math.exp(-h2) - 1) * diff));
    }
    assertThat(correction).as("the 2M term is large enough to be seen").isGreaterThan(1e-3);
    assertClose(inputs.get(1), x1);
    assertClose(inputs.get(2), x2);
    assertClose(out, x3);
  }

  @Test
  void dpmSolverHeunVariantUsesItsOwnCorrection() {
    run(new DpmSolver2MSamplerFactory().create(Params.parse("steps=3,solver-type=heun"), linear));
    int[] ts = {999, 666, 333};
    double[] a = new double[3];
    double[] s = new double[3];
    double[] l = new double[3];
    for (int k = 0; k < 3; k++) {
      double ab = linear.alphaBar(ts[k]);
      a[k] = Math.sqrt(ab);
      s[k] = Math.sqrt(1 - ab);
      l[k] = Math.log(a[k]) - Math.log(s[k]);
    }
    double[] x2 = new double[4];
    for (int i = 0; i < 4; i++) {
      double x1 = inputs.get(1)[i];
      double d0 = (X[i] - s[0] * e(0, i)) / a[0];
      double d1 = (x1 - s[1] * e(1, i)) / a[1];
      double h = l[2] - l[1];
      double r0 = (l[1] - l[0]) / h;
      x2[i] = s[2] / s[1] * x1 - a[2] * (Math.exp(-h) - 1) * d1
          + a[2] * ((Math.exp(-h) - 1) / h + 1) * (d1 - d0) / r0;
    }
    assertClose(inputs.get(2), x2);
  }
}
