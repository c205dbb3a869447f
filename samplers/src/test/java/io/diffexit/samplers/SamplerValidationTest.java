package io.diffexit.samplers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.diffexit.api.DiffexitPlugin;
import io.diffexit.api.NamedFactory;
import io.diffexit.api.NoiseSchedule;
import io.diffexit.api.ParamSpec;
import io.diffexit.api.Params;
import io.diffexit.api.Sampler;
import io.diffexit.api.SamplerFactory;
import io.diffexit.api.SamplingRun;
import io.diffexit.samplers.schedule.NoiseSchedules;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** Registration, defaults, describe() and the error messages of the sampler factories. */
class SamplerValidationTest {

  private final NoiseSchedule linear = NoiseSchedules.ddpmLinear();

  private static Sampler create(SamplerFactory f, String params, NoiseSchedule s) {
    return f.create(Params.parse(params), s);
  }

  @Test
  void thePluginIsFoundByTheServiceLoaderAndListsEverySampler() {
    List<DiffexitPlugin> plugins = ServiceLoader.load(DiffexitPlugin.class).stream().map(ServiceLoader.Provider::get)
        .filter(p -> p instanceof BuiltinSamplersPlugin).toList();
    assertThat(plugins).hasSize(1);
    DiffexitPlugin plugin = plugins.get(0);
    assertThat(plugin.samplers()).extracting(NamedFactory::name)
        .containsExactly("ddim", "ddpm", "sde-euler", "ode-euler", "dpm-solver-2m");
    assertThat(plugin.backbones()).extracting(NamedFactory::name).containsExactly("analytic");
    for (SamplerFactory f : plugin.samplers()) {
      assertThat(NamedFactory.NAME_PATTERN.matcher(f.name()).matches()).isTrue();
      assertThat(f.description()).isNotBlank();
      assertThat(f.params()).allSatisfy(p -> assertThat(p.description()).isNotBlank());
      assertThat(f.params()).extracting(ParamSpec::name).contains("steps");
    }
  }

  @Test
  void defaultsAreTheDocumentedOnes() {
    Sampler ddim = create(new DdimSamplerFactory(), "", linear);
    assertThat(ddim.evaluations()).isEqualTo(50);
    assertThat(ddim.describe()).isEqualTo("ddim(steps=50, eta=0, spacing=leading, steps-offset=0, clip-sample=false,"
        + " set-alpha-to-one=true, timesteps=980..0)");
    Sampler ddpm = create(new DdpmSamplerFactory(), "", linear);
    assertThat(ddpm.evaluations()).isEqualTo(1000);
    assertThat(ddpm.describe()).isEqualTo(
        "ddpm(steps=1000, spacing=leading, steps-offset=0, clip-sample=false, variance=fixed-small, timesteps=999..0)");
    Sampler sde = create(EulerSamplerFactory.sde(), "", NoiseSchedules.vpSde());
    assertThat(sde.evaluations()).isEqualTo(1000);
    assertThat(sde.describe()).isEqualTo("sde-euler(steps=1000, eps=0.001, grid=linspace(eps, 1, steps) then 0,"
        + " t=1..0.001)");
    assertThat(create(EulerSamplerFactory.ode(), "steps=20", linear).describe()).startsWith("ode-euler(steps=20,");
    Sampler dpm = create(new DpmSolver2MSamplerFactory(), "", linear);
    assertThat(dpm.evaluations()).isEqualTo(20);
    assertThat(dpm.describe()).isEqualTo("dpm-solver-2m(steps=20, spacing=linspace, steps-offset=0,"
        + " solver-type=midpoint, final-sigma=zero, timesteps=999..50)");
    assertThat(((DdimSampler) create(new DdimSamplerFactory(), "spacing=trailing", linear)).timesteps())
        .startsWith(999, 979).endsWith(19);
  }

  @Test
  void badParametersNameTheSamplerAndTheFix() {
    assertThatThrownBy(() -> create(new DdimSamplerFactory(), "steps=0", linear))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("sampler 'ddim': parameter 'steps' must be at least 1, got 0");
    assertThatThrownBy(() -> create(new DdimSamplerFactory(), "steps=2000", linear))
        .hasMessage("sampler 'ddim': parameter 'steps' = 2000 exceeds the schedule's 1000 training timesteps;"
            + " use at most 1000");
    assertThatThrownBy(() -> create(new DdpmSamplerFactory(), "steps=1001", linear))
        .hasMessageStartingWith("sampler 'ddpm': parameter 'steps' = 1001 exceeds");
    assertThatThrownBy(() -> create(new DdimSamplerFactory(), "spacing=karras", linear))
        .hasMessage("sampler 'ddim': parameter 'spacing' must be one of [leading, trailing, linspace], got 'karras'");
    assertThatThrownBy(() -> create(new DdimSamplerFactory(), "stepz=10", linear))
        .hasMessage("sampler 'ddim': unknown parameter 'stepz'; known: [clip-sample, clip-sample-range, eta,"
            + " set-alpha-to-one, spacing, steps, steps-offset]");
    assertThatThrownBy(() -> create(new DdimSamplerFactory(), "eta=1.5", linear))
        .hasMessage("sampler 'ddim': parameter 'eta' must be in [0.0, 1.0], got 1.5");
    assertThatThrownBy(() -> create(new DdimSamplerFactory(), "clip-sample-range=0", linear))
        .hasMessage("sampler 'ddim': parameter 'clip-sample-range' must be > 0, got 0.0");
    assertThatThrownBy(() -> create(new DpmSolver2MSamplerFactory(), "steps=1000", linear))
        .hasMessageStartingWith("sampler 'dpm-solver-2m': spacing 'linspace' with 1000 steps repeats timestep");
    assertThatThrownBy(() -> create(new DpmSolver2MSamplerFactory(), "solver-type=euler", linear))
        .hasMessage("sampler 'dpm-solver-2m': parameter 'solver-type' must be one of [midpoint, heun], got 'euler'");
    assertThatThrownBy(() -> create(EulerSamplerFactory.sde(), "steps=1", linear))
        .hasMessage("sampler 'sde-euler': parameter 'steps' must be at least 2 (the grid runs from eps to 1), got 1");
    assertThatThrownBy(() -> create(EulerSamplerFactory.ode(), "eps=0", linear))
        .hasMessage("sampler 'ode-euler': parameter 'eps' must be in (0, 1), got 0");
    assertThatThrownBy(() -> create(new DdimSamplerFactory(), "steps=ten", linear))
        .hasMessage("sampler 'ddim': parameter 'steps' must be an integer, got 'ten'");
  }

  @Test
  void aRunLeavesOnlyItsResultInTheRunManager() {
    try (NDManager m = NDManager.newBaseManager()) {
      for (Sampler s : new Sampler[] {
        create(new DpmSolver2MSamplerFactory(), "steps=10", linear),
        create(EulerSamplerFactory.sde(), "steps=10", linear),
        create(new DdimSamplerFactory(), "steps=10,eta=0.5,clip-sample=true", linear)
      }) {
        NDArray noise = m.ones(new Shape(2, 1, 2, 2));
        try (NDManager runManager = m.newSubManager()) {
          SamplingRun run = new SamplingRun(runManager, new SeededNoise(0), SamplingRun.StepListener.none());
          NDArray out = s.sample((x, t, step) -> x.mul(0.1f).add(t.reshape(2, 1, 1, 1).div(1000f)), noise, run);
          assertThat(out.getManager()).isSameAs(runManager);
          assertThat(runManager.getManagedArrays()).as(s.describe()).containsExactly(out);
        }
        assertThat(noise.toFloatArray()).containsOnly(1f);
      }
    }
  }

  @Test
  void badNoiseAndBadPredictionsAreRefusedWithTheirShapes() {
    Sampler ddim = create(new DdimSamplerFactory(), "steps=2", linear);
    try (NDManager m = NDManager.newBaseManager()) {
      SamplingRun run = new SamplingRun(m, new SeededNoise(0), SamplingRun.StepListener.none());
      assertThatThrownBy(() -> ddim.sample((x, t, s) -> x, m.zeros(new Shape(2, 4, 4)), run))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("sampler 'ddim': initial noise must have shape (B, C, H, W), got (2, 4, 4)");
      assertThatThrownBy(() -> ddim.sample((x, t, s) -> x, m.zeros(new Shape(1, 1, 2, 2), DataType.FLOAT64), run))
          .hasMessage("sampler 'ddim': initial noise must be float32, got float64");
      assertThatThrownBy(() -> ddim.sample((x, t, s) -> x.get("0:1"), m.zeros(new Shape(2, 1, 2, 2)), run))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("sampler 'ddim': the denoiser returned shape (1, 1, 2, 2) at step 0, expected (2, 1, 2, 2)");
      // the denoiser sees the model time of every sample as a (B) float32 array
      create(new DdimSamplerFactory(), "steps=1", linear).sample((x, t, s) -> {
        assertThat(t.getShape()).isEqualTo(new Shape(2));
        assertThat(t.getDataType()).isEqualTo(DataType.FLOAT32);
        return x.zerosLike();
      }, m.zeros(new Shape(2, 1, 2, 2)), run);
    }
  }
}
