package io.diffexit.harness.train.testkit;

import io.diffexit.api.NoiseSchedule;

/** Test-only DDPM linear-β schedule (β from 1e-4 to 0.02 over T steps); the samplers module has the real one. */
public final class LinearSchedule implements NoiseSchedule {

  private final int steps;
  private final double[] alphaBar;

  /** @param steps T */
  public LinearSchedule(int steps) {
    this.steps = steps;
    alphaBar = new double[steps];
    double prod = 1;
    for (int t = 0; t < steps; t++) {
      prod *= 1 - beta(t);
      alphaBar[t] = prod;
    }
  }

  @Override
  public String name() {
    return "linear(beta=1e-4..0.02, T=" + steps + ")";
  }

  @Override
  public int trainTimesteps() {
    return steps;
  }

  @Override
  public double beta(int t) {
    return 1e-4 + (0.02 - 1e-4) * t / (steps - 1);
  }

  @Override
  public double alphaBar(int t) {
    return alphaBar[t];
  }

  @Override
  public double alphaBarAt(double t) {
    double b0 = 1e-4 * steps;
    double b1 = 0.02 * steps;
    return Math.exp(-(b0 * t + 0.5 * (b1 - b0) * t * t));
  }

  @Override
  public double modelTime(double t) {
    return t * steps - 1;
  }
}
