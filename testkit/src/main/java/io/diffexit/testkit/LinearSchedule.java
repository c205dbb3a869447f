package io.diffexit.testkit;

import io.diffexit.api.NoiseSchedule;

/**
 * DDPM's linear-β schedule (β from 1e-4 to 0.02 over T steps) for tests, so that a strategy's tests need not depend on
 * the samplers module (which has the production one); its continuous view is the VP-SDE with β0 = 1e-4·T, β1 = 0.02·T.
 */
public final class LinearSchedule implements NoiseSchedule {

  private final int steps;
  private final double[] alphaBar;

  /** @param steps T, at least 2 */
  public LinearSchedule(int steps) {
    if (steps < 2) {
      throw new IllegalArgumentException("a linear schedule needs at least 2 timesteps, got " + steps);
    }
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
