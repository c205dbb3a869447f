package io.diffexit.samplers;

import io.diffexit.api.NoiseSchedule;
import io.diffexit.api.ParamSpec;
import io.diffexit.api.Params;
import io.diffexit.api.Sampler;
import io.diffexit.api.SamplerFactory;
import io.diffexit.samplers.schedule.TimestepSpacing;
import java.util.List;
import java.util.Objects;

/** {@code dpm-solver-2m}: DPM-Solver++(2M), diffusers' multistep scheduler defaults. */
public final class DpmSolver2MSamplerFactory implements SamplerFactory {

  private static final List<ParamSpec> PARAMS = List.of(
      ParamSpec.optional("steps", 20, "number of denoiser calls S, in [1, T]"),
      ParamSpec.optional("spacing", "linspace",
          "diffusers' DPMSolverMultistepScheduler spacing: linspace (round(linspace(0, T-1, S+1)) without 0: 999, 949,"
              + " .., 50 for S=20), leading (arange(0, S+1)·T//(S+1) without 0), trailing (999, .., T/S-1)"),
      ParamSpec.optional("steps-offset", 0, "diffusers' steps_offset, added to leading timesteps"),
      ParamSpec.optional("solver-type", "midpoint", "second-order correction: midpoint (diffusers' default) or heun"));

  @Override
  public String name() {
    return "dpm-solver-2m";
  }

  @Override
  public String description() {
    return "DPM-Solver++(2M), diffusers' conventions (first and last step first order, final sigma 0)";
  }

  @Override
  public List<ParamSpec> params() {
    return PARAMS;
  }

  @Override
  public Sampler create(Params params, NoiseSchedule schedule) {
    Objects.requireNonNull(schedule, "schedule");
    String owner = "sampler 'dpm-solver-2m'";
    Params p = params.forOwner(owner).requireKnownSpecs(PARAMS);
    int steps = p.getInt("steps", 20);
    TimestepSpacing spacing = TimestepSpacing.parse(owner, p.getString("spacing", "linspace"));
    int offset = p.getInt("steps-offset", 0, 0, schedule.trainTimesteps() - 1);
    String type = p.getChoice("solver-type", "midpoint", List.of("midpoint", "heun"));
    return new DpmSolver2MSampler(schedule, steps, spacing, offset, type.equals("heun"));
  }
}
