package io.diffexit.samplers;

import io.diffexit.api.NoiseSchedule;
import io.diffexit.api.ParamSpec;
import io.diffexit.api.Params;
import io.diffexit.api.Sampler;
import io.diffexit.api.SamplerFactory;
import io.diffexit.samplers.schedule.TimestepSpacing;
import java.util.List;
import java.util.Objects;

/** {@code ddpm}: ancestral sampling, every training timestep by default, or strided with DDIM's spacings. */
public final class DdpmSamplerFactory implements SamplerFactory {

  private static final List<ParamSpec> PARAMS = List.of(
      ParamSpec.optional("steps", "T",
          "number of denoiser calls S in [1, T]; default T (every training timestep, 999..0); fewer steps use the"
              + " posterior between the strided timesteps"),
      ParamSpec.optional("spacing", "leading",
          "timestep spacing when S < T, as for ddim: leading, trailing or linspace (all give 999..0 when S = T)"),
      ParamSpec.optional("steps-offset", 0, "diffusers' steps_offset, added to leading timesteps"),
      ParamSpec.optional("clip-sample", false, "clip the x0 estimate to ±clip-sample-range; off as U-ViT does not clip"),
      ParamSpec.optional("clip-sample-range", 1.0, "bound for clip-sample, > 0"));

  @Override
  public String name() {
    return "ddpm";
  }

  @Override
  public String description() {
    return "DDPM ancestral sampling (fixed-small variance), all T steps by default";
  }

  @Override
  public List<ParamSpec> params() {
    return PARAMS;
  }

  @Override
  public Sampler create(Params params, NoiseSchedule schedule) {
    Objects.requireNonNull(schedule, "schedule");
    Params p = params.forOwner("sampler 'ddpm'").requireKnownSpecs(PARAMS);
    int steps = p.getInt("steps", schedule.trainTimesteps());
    TimestepSpacing spacing = TimestepSpacing.parse("sampler 'ddpm'", p.getString("spacing", "leading"));
    int offset = p.getInt("steps-offset", 0, 0, schedule.trainTimesteps() - 1);
    boolean clip = p.getBoolean("clip-sample", false);
    double range = DdimSamplerFactory.positive(p, "clip-sample-range", 1.0);
    return new DdpmSampler(schedule, steps, spacing, offset, clip, range);
  }
}
