package io.diffexit.samplers;

import ai.djl.ndarray.NDArray;
import io.diffexit.api.NoiseSchedule;

/**
 * U-ViT's {@code sde.py} Euler loops on the continuous schedule: grid {@code [0] ++ linspace(eps, 1, N)}, walked from
 * t = 1 down; at each (t → s), dt = s − t &lt; 0, β = β(t), σ = sqrt(1 − ᾱ(t)), and the model sees model time
 * {@link NoiseSchedule#modelTime(double)}(t).
 *
 * <pre>
 * SDE (Euler–Maruyama): x ← x + (−½βx + β ε̂/σ) dt + sqrt(β)·sqrt(−dt)·z    (no noise on the last step, s = 0)
 * ODE (probability flow): x ← x + (−½βx + ½β ε̂/σ) dt
 * </pre>
 */
final class EulerSampler extends StepSampler {

  private final boolean stochastic;
  private final double eps;
  private final double[] times;   // t at step k
  private final double[] nexts;   // s at step k
  private final double[] modelTimes;
  private final double[] betas;
  private final double[] sigmas;

  EulerSampler(String name, boolean stochastic, NoiseSchedule schedule, int steps, double eps) {
    super(name, steps);
    this.stochastic = stochastic;
    this.eps = eps;
    double[] grid = new double[steps + 1];   // grid[0] = 0, grid[1..N] = linspace(eps, 1, N)
    for (int i = 0; i < steps; i++) {
      grid[i + 1] = i == steps - 1 ? 1.0 : eps + i * ((1.0 - eps) / (steps - 1));
    }
    times = new double[steps];
    nexts = new double[steps];
    modelTimes = new double[steps];
    betas = new double[steps];
    sigmas = new double[steps];
    for (int k = 0; k < steps; k++) {
      times[k] = grid[steps - k];
      nexts[k] = grid[steps - k - 1];
      modelTimes[k] = schedule.modelTime(times[k]);
      betas[k] = schedule.betaAt(times[k]);
      sigmas[k] = schedule.sigmaAt(times[k]);
    }
  }

  @Override
  double modelTime(int k) {
    return modelTimes[k];
  }

  @Override
  NDArray update(int k, NDArray x, NDArray epsHat, Step ctx) {
    double dt = nexts[k] - times[k];
    double beta = betas[k];
    double scoreWeight = stochastic ? 1.0 : 0.5;
    NDArray out = x.mul((float) (1.0 - 0.5 * beta * dt)).add(epsHat.mul((float) (scoreWeight * beta * dt / sigmas[k])));
    if (stochastic && k + 1 < steps) {
      out = out.add(ctx.noise().mul((float) (Math.sqrt(beta) * Math.sqrt(-dt))));
    }
    return out;
  }

  @Override
  public String describe() {
    return (stochastic ? "sde-euler" : "ode-euler") + "(steps=" + steps + ", eps=" + fmt(eps)
        + ", grid=linspace(eps, 1, steps) then 0, t=1.." + fmt(eps) + ")";
  }
}
