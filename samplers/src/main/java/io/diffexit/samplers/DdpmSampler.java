package io.diffexit.samplers;

import ai.djl.ndarray.NDArray;
import io.diffexit.api.NoiseSchedule;
import io.diffexit.samplers.schedule.TimestepSpacing;

/**
 * DDPM ancestral sampling (Ho et al.; method.md §4.4) as diffusers' {@code DDPMScheduler.step} with
 * {@code variance_type="fixed_small"}. Between consecutive timesteps t → prev of the (possibly strided) list, with
 * α' = ᾱ_t/ᾱ_prev and β' = 1 − α':
 *
 * <pre>
 * x_prev = (1/sqrt(α')) (x_t − β'/sqrt(1−ᾱ_t) ε̂) + sqrt(β̃) z,   β̃ = β'(1−ᾱ_prev)/(1−ᾱ_t)
 * </pre>
 *
 * computed through x̂0 (so that clip-sample can act on it): x_prev = sqrt(ᾱ_prev)β'/(1−ᾱ_t)·x̂0 +
 * sqrt(α')(1−ᾱ_prev)/(1−ᾱ_t)·x_t + sqrt(β̃) z. After the last timestep ᾱ_prev = 1 and no noise is added. With S = T
 * this is exactly §4.4's update with α' = α_t.
 */
final class DdpmSampler extends StepSampler {

  private final int[] timesteps;
  /** The schedule's model time of each timestep (the index itself for the built-in schedules). */
  private final double[] modelTimes;
  private final TimestepSpacing spacing;
  private final int offset;
  private final boolean clip;
  private final double clipRange;
  private final double[] alphaBar;
  private final double[] alphaBarPrev;

  DdpmSampler(NoiseSchedule schedule, int steps, TimestepSpacing spacing, int offset, boolean clip, double clipRange) {
    super("ddpm", steps);
    this.timesteps = spacing.ddim(owner, schedule.trainTimesteps(), steps, offset);
    this.modelTimes = modelTimesOf(schedule, timesteps);
    this.spacing = spacing;
    this.offset = offset;
    this.clip = clip;
    this.clipRange = clipRange;
    this.alphaBar = alphaBarsOf(schedule, timesteps);
    this.alphaBarPrev = previousAlphaBarsOf(schedule, timesteps, 1.0);
  }

  @Override
  double modelTime(int k) {
    return modelTimes[k];
  }

  @Override
  NDArray update(int k, NDArray x, NDArray eps, Step ctx) {
    double ab = alphaBar[k];
    double abPrev = alphaBarPrev[k];
    double alpha = ab / abPrev;
    double beta = 1.0 - alpha;
    double aT = Math.sqrt(ab);
    double sT = Math.sqrt(1.0 - ab);
    double cX0 = Math.sqrt(abPrev) * beta / (1.0 - ab);
    double cXt = Math.sqrt(alpha) * (1.0 - abPrev) / (1.0 - ab);
    double variance = (1.0 - abPrev) / (1.0 - ab) * beta;
    NDArray out;
    if (clip) {
      NDArray x0 = x.sub(eps.mul((float) sT)).div((float) aT).clip(-clipRange, clipRange);
      out = x.mul((float) cXt).add(x0.mul((float) cX0));
    } else {
      out = x.mul((float) (cX0 / aT + cXt)).sub(eps.mul((float) (cX0 * sT / aT)));
    }
    if (k + 1 < steps && variance > 0.0) {
      out = out.add(ctx.noise().mul((float) Math.sqrt(variance)));
    }
    return out;
  }

  @Override
  public String describe() {
    return "ddpm(steps=" + steps + ", spacing=" + spacing.label() + ", steps-offset=" + offset + ", clip-sample=" + clip
        + (clip ? ", clip-sample-range=" + fmt(clipRange) : "") + ", variance=fixed-small, timesteps="
        + span(timesteps) + ")";
  }
}
