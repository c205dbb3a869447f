package io.diffexit.samplers;

import io.diffexit.api.BackboneFactory;
import io.diffexit.api.DiffexitPlugin;
import io.diffexit.api.SamplerFactory;
import io.diffexit.samplers.analytic.AnalyticBackboneFactory;
import java.util.List;

/**
 * The built-in samplers, registered like any third-party plugin in {@code META-INF/services}: ddim, ddpm, sde-euler,
 * ode-euler, dpm-solver-2m; and the {@code analytic} backbone (exact ε for Gaussian data) used to verify them.
 */
public final class BuiltinSamplersPlugin implements DiffexitPlugin {

  @Override
  public List<SamplerFactory> samplers() {
    return List.of(new DdimSamplerFactory(), new DdpmSamplerFactory(), EulerSamplerFactory.sde(),
        EulerSamplerFactory.ode(), new DpmSolver2MSamplerFactory());
  }

  @Override
  public List<BackboneFactory> backbones() {
    return List.of(new AnalyticBackboneFactory());
  }
}
