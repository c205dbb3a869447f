package io.diffexit.backbones;

import io.diffexit.api.NoiseSchedule;

/**
 * DDPM's linear β from {@code low} to {@code high} over T steps, with model time = index (the built-in convention),
 * written out here because the backbones' tests do not depend on the samplers module.
 */
public final class LinearTestSchedule implements NoiseSchedule {

  private final int steps;
  private final double low;
  private final double high;

  /**
   * @param steps T
   * @param low β at t = 0
   * @param high β at t = T − 1
   */
  public LinearTestSchedule(int steps, double low, double high) {
    this.steps = steps;
    this.low = low;
    this.high = high;
  }

  @Override
  public String name() {
    return "test-linear(T=" + steps + ")";
  }

  @Override
  public int trainTimesteps() {
    return steps;
  }

  @Override
  public double beta(int t) {
    return low + (high - low) * t / (steps - 1.0);
  }

  @Override
  public double alphaBar(int t) {
    double p = 1;
    for (int s = 0; s <= t; s++) {
      p *= 1 - beta(s);
    }
    return p;
  }

  @Override
  public double alphaBarAt(double t) {
    return alphaBar((int) Math.round(t * steps) - 1);
  }

  @Override
  public double modelTime(double t) {
    return t * steps - 1;
  }
}
