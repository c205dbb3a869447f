package io.diffexit.samplers.schedule;

import io.diffexit.api.NoiseSchedule;

/**
 * The continuous variance-preserving SDE of Song et al. with linear β(t) = β0 + t(β1 − β0) on t ∈ [0, 1], as U-ViT's
 * {@code sde.py} uses it (β0 = 0.1, β1 = 20): ᾱ(t) = exp(−(β0 t + ½(β1 − β0) t²)), f = −½β(t)x, g = sqrt(β(t)).
 *
 * <p>Discrete view with T timesteps: index i is t = (i + 1)/T, ᾱ_i = ᾱ((i + 1)/T) and β_i = 1 − ᾱ_i/ᾱ_{i−1}
 * (ᾱ_{−1} = 1), so the product of (1 − β_i) reproduces ᾱ exactly. With β0 = 0.1, β1 = 20, T = 1000 this is the same
 * process as DDPM's linear schedule (β 1e-4 → 0.02) up to discretisation: sqrt(ᾱ) and sqrt(1 − ᾱ) agree within 1.4e-3 at
 * every index. Model time: t·T − 1 (see {@link NoiseSchedule}). Samplers on this schedule usually start at t = 1 and
 * stop at a small ε (1e-3 in U-ViT), where λ is finite.
 */
public final class VpSdeSchedule implements NoiseSchedule {

  private final double beta0;
  private final double beta1;
  private final int timesteps;

  /**
   * @param beta0 β(0) &gt; 0
   * @param beta1 β(1) &gt;= β0
   * @param timesteps T, the discrete view's number of timesteps and the model-time scale
   */
  public VpSdeSchedule(double beta0, double beta1, int timesteps) {
    if (!(beta0 > 0.0 && beta1 >= beta0) || timesteps < 2) {
      throw new IllegalArgumentException("noise schedule 'vp-sde': need 0 < beta0 <= beta1 and T >= 2, got beta0="
          + beta0 + ", beta1=" + beta1 + ", T=" + timesteps);
    }
    this.beta0 = beta0;
    this.beta1 = beta1;
    this.timesteps = timesteps;
  }

  /** @return β0 */
  public double beta0() {
    return beta0;
  }

  /** @return β1 */
  public double beta1() {
    return beta1;
  }

  @Override
  public String name() {
    return "vp-sde(beta0=" + DiscreteSchedule.format(beta0) + ", beta1=" + DiscreteSchedule.format(beta1)
        + ", T=" + timesteps + ")";
  }

  @Override
  public int trainTimesteps() {
    return timesteps;
  }

  @Override
  public double beta(int t) {
    checkIndex(t);
    return -Math.expm1(logAlphaBarAt(timeOfIndex(t)) - (t == 0 ? 0.0 : logAlphaBarAt(timeOfIndex(t - 1))));
  }

  @Override
  public double alphaBar(int t) {
    checkIndex(t);
    return alphaBarAt(timeOfIndex(t));
  }

  @Override
  public double alphaBarAt(double t) {
    return Math.exp(logAlphaBarAt(t));
  }

  private double logAlphaBarAt(double t) {
    checkTime(t);
    return -(beta0 * t + 0.5 * (beta1 - beta0) * t * t);
  }

  @Override
  public double betaAt(double t) {
    checkTime(t);
    return beta0 + t * (beta1 - beta0);
  }

  @Override
  public double lambdaAt(double t) {
    // λ = ½ log ᾱ − ½ log(1 − ᾱ), with 1 − ᾱ = −expm1(log ᾱ) kept accurate for small t
    double logAb = logAlphaBarAt(t);
    return 0.5 * logAb - 0.5 * Math.log(-Math.expm1(logAb));
  }

  /** Closed form (DPM-Solver's {@code inverse_lambda}): with L = log(1 + e^{−2λ}), t = 2L / (β0 + sqrt(β0² + 2(β1 − β0)L)). */
  @Override
  public double timeOfLambda(double lambda) {
    double x = -2.0 * lambda;
    double l = x > 30 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
    return 2.0 * l / (beta0 + Math.sqrt(beta0 * beta0 + 2.0 * (beta1 - beta0) * l));
  }

  @Override
  public double modelTime(double t) {
    checkTime(t);
    return indexOfTime(t);
  }

  /** The inverse of {@link #modelTime}: model time is the (fractional) index, so t = (index + 1) / T. */
  @Override
  public double timeOfModelTime(double modelTime) {
    return (modelTime + 1.0) / trainTimesteps();
  }

  private void checkIndex(int t) {
    if (t < 0 || t >= timesteps) {
      throw new IllegalArgumentException(
          "noise schedule '" + name() + "': timestep must be in [0, " + (timesteps - 1) + "], got " + t);
    }
  }

  private void checkTime(double t) {
    if (!(t >= 0.0 && t <= 1.0)) {
      throw new IllegalArgumentException("noise schedule '" + name() + "': continuous time must be in [0, 1], got " + t);
    }
  }

  @Override
  public String toString() {
    return name();
  }
}
