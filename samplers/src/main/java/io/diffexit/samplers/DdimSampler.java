package io.diffexit.samplers;

import ai.djl.ndarray.NDArray;
import io.diffexit.api.NoiseSchedule;
import io.diffexit.samplers.schedule.TimestepSpacing;

/**
 * DDIM (Song et al.) as diffusers' {@code DDIMScheduler.step} computes it, for ε-prediction:
 *
 * <pre>
 * x̂0 = (x_t − sqrt(1−ᾱ_t) ε̂) / sqrt(ᾱ_t)                         (optionally clipped)
 * σ  = η · sqrt((1−ᾱ_prev)/(1−ᾱ_t)) · sqrt(1 − ᾱ_t/ᾱ_prev)
 * x_prev = sqrt(ᾱ_prev) x̂0 + sqrt(1 − ᾱ_prev − σ²) ε̂ + σ z
 * </pre>
 *
 * ᾱ_prev is ᾱ at the next timestep of the list, and after the last one 1 (set_alpha_to_one) or ᾱ_0. diffusers uses
 * prev = t − T//S instead, which is the same for leading and trailing spacing when S divides T and differs for linspace.
 */
final class DdimSampler extends StepSampler {

  private final int[] timesteps;
  /** The schedule's model time of each timestep (the index itself for the built-in schedules). */
  private final double[] modelTimes;
  private final double eta;
  private final TimestepSpacing spacing;
  private final int offset;
  private final boolean clip;
  private final double clipRange;
  private final boolean alphaToOne;
  private final double[] alphaBar;
  private final double[] alphaBarPrev;

  DdimSampler(NoiseSchedule schedule, int steps, double eta, TimestepSpacing spacing, int offset, boolean clip,
      double clipRange, boolean alphaToOne) {
    super("ddim", steps);
    this.timesteps = spacing.ddim(owner, schedule.trainTimesteps(), steps, offset);
    this.modelTimes = modelTimesOf(schedule, timesteps);
    this.eta = eta;
    this.spacing = spacing;
    this.offset = offset;
    this.clip = clip;
    this.clipRange = clipRange;
    this.alphaToOne = alphaToOne;
    this.alphaBar = alphaBarsOf(schedule, timesteps);
    this.alphaBarPrev = previousAlphaBarsOf(schedule, timesteps, alphaToOne ? 1.0 : schedule.alphaBar(0));
  }

  /** @return the timesteps in sampling order */
  int[] timesteps() {
    return timesteps.clone();
  }

  @Override
  double modelTime(int k) {
    return modelTimes[k];
  }

  @Override
  NDArray update(int k, NDArray x, NDArray eps, Step ctx) {
    double ab = alphaBar[k];
    double abPrev = alphaBarPrev[k];
    double aT = Math.sqrt(ab);
    double sT = Math.sqrt(1.0 - ab);
    double aPrev = Math.sqrt(abPrev);
    double sigma = eta * Math.sqrt((1.0 - abPrev) / (1.0 - ab)) * Math.sqrt(1.0 - ab / abPrev);
    double direction = Math.sqrt(Math.max(0.0, 1.0 - abPrev - sigma * sigma));
    NDArray out;
    if (clip) {
      NDArray x0 = x.sub(eps.mul((float) sT)).div((float) aT).clip(-clipRange, clipRange);
      out = x0.mul((float) aPrev).add(eps.mul((float) direction));
    } else {
      // the same without materialising x̂0: (a_prev/a_t) x + (dir − a_prev s_t/a_t) ε̂
      out = x.mul((float) (aPrev / aT)).add(eps.mul((float) (direction - aPrev * sT / aT)));
    }
    if (sigma > 0.0) {
      out = out.add(ctx.noise().mul((float) sigma));
    }
    return out;
  }

  @Override
  public String describe() {
    return "ddim(steps=" + steps + ", eta=" + fmt(eta) + ", spacing=" + spacing.label() + ", steps-offset=" + offset
        + ", clip-sample=" + clip + (clip ? ", clip-sample-range=" + fmt(clipRange) : "") + ", set-alpha-to-one="
        + alphaToOne + ", timesteps=" + span(timesteps) + ")";
  }
}
