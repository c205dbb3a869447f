package io.diffexit.samplers;

import io.diffexit.api.NoiseSchedule;
import io.diffexit.api.ParamSpec;
import io.diffexit.api.Params;
import io.diffexit.api.Sampler;
import io.diffexit.api.SamplerFactory;
import java.util.List;
import java.util.Objects;

/**
 * The two Euler solvers on U-ViT's continuous-time grid: {@code sde-euler} (reverse VP-SDE, Euler–Maruyama as U-ViT's
 * sde.py, last step noise-free) and {@code ode-euler} (the probability-flow ODE). Both work on any schedule through its
 * continuous view (ᾱ(t), β(t)); steps are not limited to T because the model time t·T − 1 may be fractional.
 */
public final class EulerSamplerFactory implements SamplerFactory {

  private static final List<ParamSpec> PARAMS = List.of(
      ParamSpec.optional("steps", 1000, "number of denoiser calls N >= 2; the grid is linspace(eps, 1, N) then 0"),
      ParamSpec.optional("eps", 0.001, "smallest time of the grid, in (0, 1); U-ViT uses 1e-3"));

  private final String name;
  private final String description;
  private final boolean stochastic;

  private EulerSamplerFactory(String name, String description, boolean stochastic) {
    this.name = name;
    this.description = description;
    this.stochastic = stochastic;
  }

  /** @return {@code sde-euler}: the reverse VP-SDE with Euler–Maruyama steps */
  public static EulerSamplerFactory sde() {
    return new EulerSamplerFactory(
        "sde-euler", "reverse VP-SDE, Euler–Maruyama as U-ViT's sde.py (last step noise-free)", true);
  }

  /** @return {@code ode-euler}: the probability-flow ODE with Euler steps */
  public static EulerSamplerFactory ode() {
    return new EulerSamplerFactory("ode-euler", "probability-flow ODE of the VP-SDE, Euler steps on U-ViT's grid", false);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String description() {
    return description;
  }

  @Override
  public List<ParamSpec> params() {
    return PARAMS;
  }

  @Override
  public Sampler create(Params params, NoiseSchedule schedule) {
    Objects.requireNonNull(schedule, "schedule");
    String owner = "sampler '" + name + "'";
    Params p = params.forOwner(owner).requireKnownSpecs(PARAMS);
    int steps = p.getInt("steps", 1000);
    if (steps < 2) {
      throw new IllegalArgumentException(owner + ": parameter 'steps' must be at least 2 (the grid runs from eps to 1),"
          + " got " + steps);
    }
    double eps = p.getDouble("eps", 0.001);
    if (!(eps > 0.0 && eps < 1.0)) {
      throw new IllegalArgumentException(owner + ": parameter 'eps' must be in (0, 1), got " + p.get("eps").orElse(""));
    }
    return new EulerSampler(name, stochastic, schedule, steps, eps);
  }
}
