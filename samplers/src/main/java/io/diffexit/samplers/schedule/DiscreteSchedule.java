package io.diffexit.samplers.schedule;

import io.diffexit.api.NoiseSchedule;
import java.math.BigDecimal;
import java.util.Objects;

/**
 * A discrete DDPM schedule given by its betas β_0 … β_{T−1}, with ᾱ_i = Π_{s≤i}(1 − β_s) computed in double precision.
 *
 * <p>Continuous view: log ᾱ is interpolated linearly in t between the grid points t_i = (i + 1)/T (where ᾱ(t_i) = ᾱ_i)
 * and t = 0 (ᾱ = 1, clean data). This is DPM-Solver's {@code NoiseScheduleVP('discrete')} on [1/T, 1]; below 1/T it
 * interpolates towards clean data instead of extrapolating. So β(t) = −d log ᾱ/dt = −T·log(1 − β_i) on
 * ((i)/T, (i + 1)/T]. Model time: t·T − 1, i.e. the discrete index as a float.
 */
public final class DiscreteSchedule implements NoiseSchedule {

  private final String name;
  private final double[] betas;
  private final double[] logAlphaBars;

  private DiscreteSchedule(String name, double[] betas) {
    this.name = Objects.requireNonNull(name, "name");
    this.betas = betas.clone();
    this.logAlphaBars = new double[betas.length];
    double log = 0.0;
    for (int i = 0; i < betas.length; i++) {
      if (!(betas[i] > 0.0 && betas[i] < 1.0)) {
        throw new IllegalArgumentException("noise schedule '" + name + "': beta_" + i + " must be in (0, 1), got " + betas[i]);
      }
      log += Math.log1p(-betas[i]);
      logAlphaBars[i] = log;
    }
  }

  /**
   * DDPM's linear betas, {@code linspace(betaStart, betaEnd, T)} (Ho et al.: 1e-4 → 0.02, T = 1000).
   *
   * @return the schedule named {@code linear(beta=<start>..<end>, T=<T>)}
   */
  public static DiscreteSchedule linear(double betaStart, double betaEnd, int timesteps) {
    requireRange("linear", betaStart, betaEnd, timesteps);
    double[] b = new double[timesteps];
    for (int i = 0; i < timesteps; i++) {
      b[i] = linspace(betaStart, betaEnd, timesteps, i);
    }
    return new DiscreteSchedule(
        "linear(beta=" + format(betaStart) + ".." + format(betaEnd) + ", T=" + timesteps + ")", b);
  }

  /**
   * Stable Diffusion's "scaled_linear" betas, {@code linspace(sqrt(betaStart), sqrt(betaEnd), T)²}
   * (0.00085 → 0.012, T = 1000).
   *
   * @return the schedule named {@code scaled-linear(beta=<start>..<end>, T=<T>)}
   */
  public static DiscreteSchedule scaledLinear(double betaStart, double betaEnd, int timesteps) {
    requireRange("scaled-linear", betaStart, betaEnd, timesteps);
    double[] b = new double[timesteps];
    for (int i = 0; i < timesteps; i++) {
      double r = linspace(Math.sqrt(betaStart), Math.sqrt(betaEnd), timesteps, i);
      b[i] = r * r;
    }
    return new DiscreteSchedule(
        "scaled-linear(beta=" + format(betaStart) + ".." + format(betaEnd) + ", T=" + timesteps + ")", b);
  }

  /**
   * Nichol &amp; Dhariwal's cosine schedule as diffusers' {@code betas_for_alpha_bar}: f(u) = cos²((u + s)/(1 + s)·π/2),
   * β_i = min(1 − f((i + 1)/T)/f(i/T), maxBeta).
   *
   * @return the schedule named {@code cosine(s=<s>, max-beta=<maxBeta>, T=<T>)}
   */
  public static DiscreteSchedule cosine(double s, double maxBeta, int timesteps) {
    if (!(s >= 0.0) || !(maxBeta > 0.0 && maxBeta < 1.0) || timesteps < 2) {
      throw new IllegalArgumentException("noise schedule 'cosine': need s >= 0, max-beta in (0, 1) and T >= 2, got s="
          + s + ", max-beta=" + maxBeta + ", T=" + timesteps);
    }
    double[] b = new double[timesteps];
    for (int i = 0; i < timesteps; i++) {
      b[i] = Math.min(1.0 - cosineF((i + 1.0) / timesteps, s) / cosineF((double) i / timesteps, s), maxBeta);
    }
    return new DiscreteSchedule(
        "cosine(s=" + format(s) + ", max-beta=" + format(maxBeta) + ", T=" + timesteps + ")", b);
  }

  private static double cosineF(double u, double s) {
    double c = Math.cos((u + s) / (1.0 + s) * Math.PI / 2.0);
    return c * c;
  }

  private static void requireRange(String kind, double start, double end, int timesteps) {
    if (!(start > 0.0 && end < 1.0 && start <= end) || timesteps < 2) {
      throw new IllegalArgumentException("noise schedule '" + kind + "': need 0 < beta start <= beta end < 1 and T >= 2,"
          + " got beta=" + start + ".." + end + ", T=" + timesteps);
    }
  }

  /** numpy's linspace(a, b, n)[i]. */
  private static double linspace(double a, double b, int n, int i) {
    return i == n - 1 ? b : i * ((b - a) / (n - 1)) + a;
  }

  /** Shortest text that parses back to the same double, without exponent ("0.0001", "20"). */
  static String format(double v) {
    return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public int trainTimesteps() {
    return betas.length;
  }

  @Override
  public double beta(int t) {
    return betas[checkIndex(t)];
  }

  @Override
  public double alphaBar(int t) {
    return Math.exp(logAlphaBars[checkIndex(t)]);
  }

  @Override
  public double alphaBarAt(double t) {
    return Math.exp(logAlphaBarAt(t));
  }

  private double logAlphaBarAt(double t) {
    checkTime(t);
    double u = t * betas.length;   // grid point i sits at u = i + 1
    int hi = (int) Math.ceil(u);
    if (hi <= 0) {
      return 0.0;
    }
    hi = Math.min(hi, betas.length);
    double right = logAlphaBars[hi - 1];
    double left = hi >= 2 ? logAlphaBars[hi - 2] : 0.0;
    double w = u - (hi - 1);
    return left + (right - left) * w;
  }

  @Override
  public double betaAt(double t) {
    checkTime(t);
    int i = Math.max(0, Math.min(betas.length - 1, (int) Math.ceil(t * betas.length) - 1));
    return -betas.length * Math.log1p(-betas[i]);
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

  private int checkIndex(int t) {
    if (t < 0 || t >= betas.length) {
      throw new IllegalArgumentException(
          "noise schedule '" + name + "': timestep must be in [0, " + (betas.length - 1) + "], got " + t);
    }
    return t;
  }

  private void checkTime(double t) {
    if (!(t >= 0.0 && t <= 1.0)) {
      throw new IllegalArgumentException("noise schedule '" + name + "': continuous time must be in [0, 1], got " + t);
    }
  }

  @Override
  public String toString() {
    return name;
  }
}
