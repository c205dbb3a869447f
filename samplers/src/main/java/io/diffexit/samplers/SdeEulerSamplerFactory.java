package io.diffexit.samplers;

import io.diffexit.api.NoiseSchedule;
import io.diffexit.api.ParamSpec;
import io.diffexit.api.Params;
import io.diffexit.api.Sampler;
import io.diffexit.api.SamplerFactory;
import java.util.List;
import java.util.Objects;

/**
 * {@code sde-euler}: reverse VP-SDE, Euler–Maruyama as U-ViT's sde.py (last step noise-free). Works on any schedule through its continuous view (ᾱ(t), β(t)); steps are not
 * limited to T because the model time t·T − 1 may be fractional.
 */
public final class SdeEulerSamplerFactory implements SamplerFactory {

  private static final List<ParamSpec> PARAMS = List.of(
      ParamSpec.optional("steps", 1000, "number of denoiser calls N >= 2; the grid is linspace(eps, 1, N) then 0"),
      ParamSpec.optional("eps", 0.001, "smallest time of the grid, in (0, 1); U-ViT uses 1e-3"));

  @Override
  public String name() {
    return "sde-euler";
  }

  @Override
  public String description() {
    return "reverse VP-SDE, Euler–Maruyama as U-ViT's sde.py (last step noise-free)";
  }

  @Override
  public List<ParamSpec> params() {
    return PARAMS;
  }

  @Override
  public Sampler create(Params params, NoiseSchedule schedule) {
    Objects.requireNonNull(schedule, "schedule");
    String owner = "sampler 'sde-euler'";
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
    return new EulerSampler("sde-euler", true, schedule, steps, eps);
  }
}
