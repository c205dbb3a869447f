package io.diffexit.samplers;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.diffexit.api.Backbone;
import io.diffexit.api.BackboneContext;
import io.diffexit.api.Denoiser;
import io.diffexit.api.NoiseSchedule;
import io.diffexit.api.Params;
import io.diffexit.api.Pass;
import io.diffexit.api.Sampler;
import io.diffexit.api.SamplerFactory;
import io.diffexit.api.SamplingRun;
import io.diffexit.samplers.analytic.AnalyticBackboneFactory;
import io.diffexit.samplers.schedule.NoiseSchedules;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Samplers driven by the exact ε-predictor of Gaussian data N(μ, σ²) (the analytic backbone run to its last exit
 * point).
 *
 * <p>With an exact ε that is affine in x, every deterministic sampler is an affine map x_T ↦ A x_T + b per pixel, so
 * running it on x_T = 0 and x_T = 1 gives b and A, and the distribution of its samples from N(0, I) exactly:
 * N(b, A²). Two errors are measured: against the data (|b − μ| + |A − σ|), and the discretisation error alone, against
 * the exact path the sampler approximates: the probability-flow map from its first timestep s to its last timestep l,
 * (x_l − a_l μ)/sqrt(v_l) = (x_s − a_s μ)/sqrt(v_s) with a = sqrt(ᾱ), v = ᾱσ² + 1 − ᾱ, followed by the final step to
 * ᾱ = 1 that both DDIM (set_alpha_to_one) and DPM-Solver (final sigma 0) take: x_0 = D(x_l) = μ + a_l σ²(x_l − a_l μ)/v_l.
 */
class AnalyticGaussianSamplingTest {

  private static final double MEAN = 0.5;
  private static final double STD = 0.5;

  private static final NoiseSchedule LINEAR = NoiseSchedules.ddpmLinear();
  private static final NoiseSchedule VP = NoiseSchedules.vpSde();
  private static NDManager manager;
  /** One exact model per schedule: the VP-SDE model for the Euler samplers, the DDPM-linear one for the others. */
  private static Backbone linearModel;
  private static Backbone vpModel;

  @BeforeAll
  static void setUp() {
    manager = NDManager.newBaseManager();
    linearModel = model(LINEAR);
    vpModel = model(VP);
  }

  private static Backbone model(NoiseSchedule schedule) {
    return new AnalyticBackboneFactory().create(Params.parse("mean=" + MEAN + ",std=" + STD
        + ",channels=1,height=4,width=4,exit-points=3,schedule=" + schedule.name().replace(", ", ";")),
        new BackboneContext(manager, 0));
  }

  @AfterAll
  static void tearDown() {
    linearModel.close();
    vpModel.close();
    manager.close();
  }

  /** The backbone through a plain Denoiser: run every exit point, return the last (exact) head. */
  private static Denoiser exact(Backbone backbone) {
    return (x, t, step) -> {
      Pass pass = backbone.begin(null, x, t, false);
      while (pass.position() < pass.exitPoints() - 1) {
        pass.advance();
      }
      return pass.head();
    };
  }

  private static float[] sample(Sampler sampler, NDArray noise, long seed) {
    Backbone model = sampler.describe().contains("euler") ? vpModel : linearModel;
    try (NDManager run = manager.newSubManager()) {
      return sampler.sample(exact(model), noise, new SamplingRun(run, new SeededNoise(seed), (s, n) -> {}))
          .toFloatArray();
    }
  }

  /** @return {b, A} of the sampler's affine map (pixel 0; all pixels are alike) */
  private static double[] affineMap(Sampler sampler) {
    try (NDManager m = manager.newSubManager()) {
      NDArray x = m.zeros(new Shape(1, 1, 4, 4)).concat(m.ones(new Shape(1, 1, 4, 4)));
      float[] out = sample(sampler, x, 0);
      return new double[] {out[0], out[16] - out[0]};
    }
  }

  /** @return |b − μ| + |A − σ|: how far the sampled distribution is from the data */
  private static double dataError(Sampler sampler) {
    double[] map = affineMap(sampler);
    return Math.abs(map[0] - MEAN) + Math.abs(map[1] - STD);
  }

  /** @return |b − b*| + |A − A*| against the exact flow from ᾱ_s to ᾱ_l followed by the final denoising step */
  private static double flowError(Sampler sampler, double abStart, double abLast) {
    double[] map = affineMap(sampler);
    double vs = abStart * STD * STD + 1 - abStart;
    double vl = abLast * STD * STD + 1 - abLast;
    double gain = Math.sqrt(abLast) * STD * STD / Math.sqrt(vl * vs);
    double bias = MEAN - Math.sqrt(abLast * abStart) * STD * STD * MEAN / Math.sqrt(vl * vs);
    return Math.abs(map[0] - bias) + Math.abs(map[1] - gain);
  }

  private static Sampler create(SamplerFactory factory, String params, NoiseSchedule schedule) {
    return factory.create(Params.parse(params), schedule);
  }

  @Test
  void deterministicSamplersReproduceTheDataDistributionMoreCloselyWithMoreSteps() {
    SamplerFactory[] factories = {new DdimSamplerFactory(), new DpmSolver2MSamplerFactory(), EulerSamplerFactory.ode()};
    int[][] stepLists = {{10, 50, 200}, {5, 20, 50}, {50, 200, 1000}};
    double[] tolerance = {0.02, 0.005, 0.02};
    for (int f = 0; f < factories.length; f++) {
      double previous = Double.POSITIVE_INFINITY;
      for (int steps : stepLists[f]) {
        double error = dataError(create(factories[f], "steps=" + steps, f == 2 ? VP : LINEAR));
        System.out.printf(Locale.ROOT, "%s steps=%d data error %.3e%n", factories[f].name(), steps, error);
        assertThat(error).as(factories[f].name() + " at " + steps + " steps").isLessThan(previous);
        previous = error;
      }
      assertThat(previous).as(factories[f].name() + " at its largest step count").isLessThan(tolerance[f]);
    }
  }

  @Test
  void dpmSolverErrorFallsFasterWithStepsThanDdimError() {
    int[] steps = {5, 10, 20, 50, 100, 200};
    double[] ddim = new double[steps.length];
    double[] dpm = new double[steps.length];
    double[] ddimDataErrors = new double[steps.length];
    double[] dpmDataErrors = new double[steps.length];
    StringBuilder table = new StringBuilder("steps | ddim(trailing) flow err | dpm-solver-2m(trailing) flow err | ddim(leading) data err"
        + " | dpm-solver-2m(linspace) data err\n");
    for (int i = 0; i < steps.length; i++) {
      // trailing: both run 999, .., 1000/S − 1 and then step to ᾱ = 1
      double abLast = LINEAR.alphaBar(1000 / steps[i] - 1);
      ddim[i] = flowError(create(new DdimSamplerFactory(), "spacing=trailing,steps=" + steps[i], LINEAR),
          LINEAR.alphaBar(999), abLast);
      dpm[i] = flowError(create(new DpmSolver2MSamplerFactory(), "spacing=trailing,steps=" + steps[i], LINEAR),
          LINEAR.alphaBar(999), abLast);
      ddimDataErrors[i] = dataError(create(new DdimSamplerFactory(), "steps=" + steps[i], LINEAR));
      dpmDataErrors[i] = dataError(create(new DpmSolver2MSamplerFactory(), "steps=" + steps[i], LINEAR));
      table.append(String.format(Locale.ROOT, "%5d | %.3e | %.3e | %.3e | %.3e%n", steps[i], ddim[i], dpm[i],
          ddimDataErrors[i], dpmDataErrors[i]));
    }
    System.out.print(table);
    for (int i = 0; i < steps.length; i++) {
      assertThat(dpm[i]).as("dpm-solver-2m at " + steps[i]).isLessThan(ddim[i]);
    }
    // the asymptotic regime: 50 -> 200 steps (below 50 the last, large λ-steps dominate both)
    double ddimOrder = Math.log(ddim[3] / ddim[5]) / Math.log(200.0 / 50);
    double dpmOrder = Math.log(dpm[3] / dpm[5]) / Math.log(200.0 / 50);
    System.out.printf(Locale.ROOT, "empirical order 50->200 steps: ddim %.2f, dpm-solver-2m %.2f%n", ddimOrder, dpmOrder);
    assertThat(ddimOrder).isBetween(0.7, 1.2);
    assertThat(dpmOrder).isGreaterThan(ddimOrder + 0.3);
    // and against the data, with each sampler's default spacing: 10 -> 50 steps
    double ddimData = Math.log(ddimDataErrors[1] / ddimDataErrors[3]) / Math.log(5.0);
    double dpmData = Math.log(dpmDataErrors[1] / dpmDataErrors[3]) / Math.log(5.0);
    assertThat(dpmData).isGreaterThan(ddimData + 0.5);
  }

  @Test
  void sampleStatisticsOfDeterministicSamplersMatchTheData() {
    try (NDManager m = manager.newSubManager()) {
      m.getEngine().setRandomSeed(11);
      NDArray noise = m.randomNormal(new Shape(256, 1, 4, 4));
      for (Sampler s : new Sampler[] {
        create(new DdimSamplerFactory(), "steps=200", LINEAR), create(new DpmSolver2MSamplerFactory(), "steps=50", LINEAR),
        create(EulerSamplerFactory.ode(), "", VP)
      }) {
        double[] stats = moments(sample(s, noise, 0));
        System.out.printf(Locale.ROOT, "%s: mean %.4f std %.4f%n", s.describe(), stats[0], stats[1]);
        // 4096 values: the standard error of the mean is 0.5/64 ≈ 0.008, of the std ≈ 0.0055
        // plus the discretisation error measured above (under 0.01 at these step counts)
        assertThat(stats[0]).as(s.describe()).isBetween(MEAN - 0.03, MEAN + 0.03);
        assertThat(stats[1]).as(s.describe()).isBetween(STD - 0.025, STD + 0.025);
      }
    }
  }

  @Test
  void stochasticSamplersMatchTheDataStatisticsAtAThousandSteps() {
    try (NDManager m = manager.newSubManager()) {
      m.getEngine().setRandomSeed(5);
      NDArray noise = m.randomNormal(new Shape(256, 1, 4, 4));
      for (Sampler s : new Sampler[] {
        create(EulerSamplerFactory.sde(), "", VP), create(new DdpmSamplerFactory(), "", LINEAR)
      }) {
        double[] stats = moments(sample(s, noise, 3));
        System.out.printf(Locale.ROOT, "%s: mean %.4f std %.4f%n", s.describe(), stats[0], stats[1]);
        assertThat(stats[0]).as(s.describe()).isBetween(MEAN - 0.03, MEAN + 0.03);
        assertThat(stats[1]).as(s.describe()).isBetween(STD - 0.02, STD + 0.02);
      }
    }
  }

  @Test
  void seededRunsAreBitIdenticalAndIndependentOfBatchMates() {
    try (NDManager m = manager.newSubManager()) {
      m.getEngine().setRandomSeed(1);
      NDArray noise = m.randomNormal(new Shape(3, 1, 4, 4));
      Sampler sde = create(EulerSamplerFactory.sde(), "steps=50", VP);
      float[] first = sample(sde, noise, 42);
      float[] again = sample(sde, noise, 42);
      float[] otherSeed = sample(sde, noise, 43);
      assertThat(again).isEqualTo(first);
      assertThat(otherSeed).isNotEqualTo(first);
      // sample 0 alone gets the same noise (row 0) and so the same trajectory
      float[] alone = sample(sde, noise.get("0:1"), 42);
      float[] firstRow = new float[16];
      System.arraycopy(first, 0, firstRow, 0, 16);
      assertThat(alone).isEqualTo(firstRow);
      Sampler dpm = create(new DpmSolver2MSamplerFactory(), "steps=10", LINEAR);
      assertThat(sample(dpm, noise, 1)).isEqualTo(sample(dpm, noise, 2));   // deterministic: noise source unused
    }
  }

  private static double[] moments(float[] values) {
    double sum = 0;
    for (float v : values) {
      sum += v;
    }
    double mean = sum / values.length;
    double sq = 0;
    for (float v : values) {
      sq += (v - mean) * (v - mean);
    }
    return new double[] {mean, Math.sqrt(sq / (values.length - 1))};
  }
}
