package io.diffexit.samplers;

import ai.djl.ndarray.NDArray;
import io.diffexit.api.NoiseSchedule;
import io.diffexit.samplers.schedule.TimestepSpacing;

/**
 * DPM-Solver++(2M) (Lu et al. 2022) with diffusers' {@code DPMSolverMultistepScheduler} conventions:
 * {@code algorithm_type="dpmsolver++"}, {@code solver_order=2}, {@code final_sigmas_type="zero"}, no thresholding.
 *
 * <p>At timestep t_k: σ̃_k = sqrt((1−ᾱ)/ᾱ), α_k = 1/sqrt(σ̃²+1), σ_k = σ̃·α_k, λ_k = log α_k − log σ_k, and after the
 * last timestep σ̃ = 0. The data prediction is D_k = (x − σ_k ε̂)/α_k. With h = λ_{k+1} − λ_k:
 *
 * <pre>
 * first order (step 0):  x ← (σ_{k+1}/σ_k) x − α_{k+1}(e^{−h} − 1) D_k
 * 2M midpoint:           x ← (σ_{k+1}/σ_k) x − α_{k+1}(e^{−h} − 1) D_k − ½ α_{k+1}(e^{−h} − 1)(D_k − D_{k−1})/r,
 * 2M heun:               x ← (σ_{k+1}/σ_k) x − α_{k+1}(e^{−h} − 1) D_k + α_{k+1}((e^{−h} − 1)/h + 1)(D_k − D_{k−1})/r,
 *                        r = (λ_k − λ_{k−1})/h
 * last step (σ = 0):     x ← D_k   (first order, as lower_order_final / final_sigmas_type="zero" force)
 * </pre>
 *
 * The history D_{k−1} is kept for the whole batch (each row its own sample's previous prediction).
 */
final class DpmSolver2MSampler extends StepSampler {

  private final int[] timesteps;
  /** The schedule's model time of each timestep (the index itself for the built-in schedules). */
  private final double[] modelTimes;
  private final TimestepSpacing spacing;
  private final int offset;
  private final boolean heun;
  private final double[] alpha;   // α_k, k = 0..S (α_S = 1)
  private final double[] sigma;   // σ_k, k = 0..S (σ_S = 0)
  private final double[] lambda;  // λ_k, k = 0..S−1

  DpmSolver2MSampler(NoiseSchedule schedule, int steps, TimestepSpacing spacing, int offset, boolean heun) {
    super("dpm-solver-2m", steps);
    this.timesteps = spacing.dpmSolver(owner, schedule.trainTimesteps(), steps, offset);
    this.modelTimes = modelTimesOf(schedule, timesteps);
    this.spacing = spacing;
    this.offset = offset;
    this.heun = heun;
    alpha = new double[steps + 1];
    sigma = new double[steps + 1];
    lambda = new double[steps];
    for (int k = 0; k < steps; k++) {
      double ab = schedule.alphaBar(timesteps[k]);
      double s = Math.sqrt((1.0 - ab) / ab);
      alpha[k] = 1.0 / Math.sqrt(s * s + 1.0);
      sigma[k] = s * alpha[k];
      lambda[k] = Math.log(alpha[k]) - Math.log(sigma[k]);
    }
    alpha[steps] = 1.0;
    sigma[steps] = 0.0;
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
    NDArray d0 = x.mul((float) (1.0 / alpha[k])).sub(eps.mul((float) (sigma[k] / alpha[k])));
    if (k == steps - 1) {
      return d0;
    }
    double h = lambda[k + 1] - lambda[k];
    double phi = alpha[k + 1] * Math.expm1(-h);   // α_{k+1}(e^{−h} − 1)
    NDArray out = x.mul((float) (sigma[k + 1] / sigma[k]));
    NDArray previous = ctx.carried();
    if (previous == null) {
      out = out.sub(d0.mul((float) phi));
    } else {
      double r = (lambda[k] - lambda[k - 1]) / h;
      // D1 = (D_k − D_{k−1})/r; fold it into weights on D_k and D_{k−1}
      double w1 = heun ? alpha[k + 1] * (Math.expm1(-h) / h + 1.0) / r : -0.5 * phi / r;
      out = out.add(d0.mul((float) (w1 - phi))).sub(previous.mul((float) w1));
    }
    ctx.carry(d0);
    return out;
  }

  @Override
  public String describe() {
    return "dpm-solver-2m(steps=" + steps + ", spacing=" + spacing.label() + ", steps-offset=" + offset
        + ", solver-type=" + (heun ? "heun" : "midpoint") + ", final-sigma=zero, timesteps=" + span(timesteps) + ")";
  }
}
