package io.diffexit.samplers;

import io.diffexit.api.NoiseSchedule;
import io.diffexit.api.ParamSpec;
import io.diffexit.api.Params;
import io.diffexit.api.Sampler;
import io.diffexit.api.SamplerFactory;
import io.diffexit.samplers.schedule.TimestepSpacing;
import java.util.List;
import java.util.Objects;

/**
 * {@code ddim}: DDIM with diffusers' timestep spacings; η = 0 is deterministic. Each step goes to the next timestep of
 * the list (diffusers uses t − T//S, which is the same for leading/trailing when S divides T, and differs for linspace).
 * Clipping is off by default because U-ViT's samplers (and DeeDiff's evaluation) never clip the x0 estimate.
 */
public final class DdimSamplerFactory implements SamplerFactory {

  private static final List<ParamSpec> PARAMS = List.of(
      ParamSpec.optional("steps", 50, "number of denoiser calls S, in [1, T]"),
      ParamSpec.optional("eta", 0.0, "η in [0, 1]: 0 = deterministic DDIM, 1 = DDPM-like posterior noise"),
      ParamSpec.optional("spacing", "leading",
          "timestep spacing as diffusers defines it: leading (arange(0,S)·T//S: 980..0 for S=50), trailing "
              + "(999..19), linspace (round(linspace(0, T-1, S)))"),
      ParamSpec.optional("steps-offset", 0, "diffusers' steps_offset, added to leading timesteps (SD uses 1)"),
      ParamSpec.optional("clip-sample", false,
          "clip the x0 estimate to ±clip-sample-range; off because U-ViT's samplers do not clip (diffusers' default is"
              + " on)"),
      ParamSpec.optional("clip-sample-range", 1.0, "bound for clip-sample, > 0"),
      ParamSpec.optional("set-alpha-to-one", true,
          "after the last timestep step to ᾱ = 1 (clean data); false steps to ᾱ_0 as Stable Diffusion does"));

  @Override
  public String name() {
    return "ddim";
  }

  @Override
  public String description() {
    return "DDIM (Song et al.), diffusers' update and timestep spacings; eta=0 deterministic";
  }

  @Override
  public List<ParamSpec> params() {
    return PARAMS;
  }

  @Override
  public Sampler create(Params params, NoiseSchedule schedule) {
    Objects.requireNonNull(schedule, "schedule");
    Params p = params.forOwner("sampler 'ddim'").requireKnownSpecs(PARAMS);
    int steps = p.getInt("steps", 50);
    double eta = p.getDouble("eta", 0.0, 0.0, 1.0);
    TimestepSpacing spacing = TimestepSpacing.parse("sampler 'ddim'", p.getString("spacing", "leading"));
    int offset = p.getInt("steps-offset", 0, 0, schedule.trainTimesteps() - 1);
    boolean clip = p.getBoolean("clip-sample", false);
    double range = positive(p, "clip-sample-range", 1.0);
    boolean toOne = p.getBoolean("set-alpha-to-one", true);
    return new DdimSampler(schedule, steps, eta, spacing, offset, clip, range, toOne);
  }

  /** A number that must be &gt; 0, with a message naming the owner and key. */
  static double positive(Params p, String key, double defaultValue) {
    double v = p.getDouble(key, defaultValue);
    if (!(v > 0.0)) {
      throw new IllegalArgumentException(p.owner() + ": parameter '" + key + "' must be > 0, got " + v);
    }
    return v;
  }
}
