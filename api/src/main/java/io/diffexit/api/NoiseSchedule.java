package io.diffexit.api;

/**
 * The forward process q(x_t | x_0) = N(sqrt(ᾱ_t) x_0, (1 − ᾱ_t) I) a model was trained with.
 *
 * <p>Discrete view: timesteps t ∈ {0, …, T−1} with ᾱ_t = Π_{s≤t} (1 − β_s). Continuous view: t ∈ (0, 1] with
 * ᾱ(t); for DDPM's linear β (1e-4 → 0.02, T = 1000) the continuous view is the VP-SDE with β0 = 0.1, β1 = 20, and
 * discrete index i corresponds to t = (i + 1) / T ({@link #timeOfIndex(int)}); t = 0 is clean data (ᾱ = 1).
 *
 * <p>Model time convention: the network's time input is {@link #modelTime(double)} of the continuous time, which for
 * the built-in schedules is the discrete index (t·T − 1, a float), as in DDPM/diffusers: a discrete sampler at
 * timestep i passes exactly i; a continuous sampler at time t passes t·T − 1 (so t = 1 → T − 1 and t = 1/T → 0).
 * U-ViT's continuous code passes 999·t instead; the two differ by less than one timestep, and a model trained here is
 * trained with this convention.
 *
 * <p>The default methods derive α = sqrt(ᾱ), σ = sqrt(1 − ᾱ), the half-log-SNR λ = log(α/σ) and its inverse from
 * {@link #alphaBarAt(double)}; implementations override them where a closed form exists.
 */
public interface NoiseSchedule {

  /** @return a name with its parameters, e.g. {@code "linear(beta=1e-4..0.02, T=1000)"}, stored in model cards */
  String name();

  /** @return T, the number of discrete training timesteps */
  int trainTimesteps();

  /** @return β_t for discrete timestep t ∈ [0, T−1] */
  double beta(int t);

  /** @return ᾱ_t for discrete timestep t ∈ [0, T−1] */
  double alphaBar(int t);

  /** @return ᾱ(t) for continuous time t ∈ [0, 1] */
  double alphaBarAt(double t);

  /** @return the network's time input for continuous time t ∈ (0, 1] */
  double modelTime(double t);

  /** @return the continuous time (i + 1) / T of discrete timestep i, so that ᾱ(timeOfIndex(i)) = ᾱ_i */
  default double timeOfIndex(int i) {
    return (i + 1.0) / trainTimesteps();
  }

  /** @return the (fractional) discrete index t·T − 1 of continuous time t; the inverse of {@link #timeOfIndex(int)} */
  default double indexOfTime(double t) {
    return t * trainTimesteps() - 1.0;
  }

  /**
   * @param modelTime a network time input, as {@link #modelTime(double)} gives
   * @return the continuous time t ∈ (0, 1] with {@code modelTime(t) = modelTime}; the default bisects, relying on
   *     {@link #modelTime(double)} increasing in t (for the built-in schedules it is {@link #timeOfIndex} of the index)
   */
  default double timeOfModelTime(double modelTime) {
    double lo = 0.0;
    double hi = 1.0;
    for (int i = 0; i < 200 && hi - lo > 1e-15; i++) {
      double mid = 0.5 * (lo + hi);
      if (modelTime(mid) < modelTime) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return 0.5 * (lo + hi);
  }

  /** @return α(t) = sqrt(ᾱ(t)), the signal scale at continuous time t */
  default double alphaAt(double t) {
    return Math.sqrt(alphaBarAt(t));
  }

  /** @return σ(t) = sqrt(1 − ᾱ(t)), the noise scale at continuous time t */
  default double sigmaAt(double t) {
    return Math.sqrt(1.0 - alphaBarAt(t));
  }

  /** @return λ(t) = log(α(t)/σ(t)) = ½ log(ᾱ/(1 − ᾱ)), the half log signal-to-noise ratio, decreasing in t */
  default double lambdaAt(double t) {
    double ab = alphaBarAt(t);
    return 0.5 * (Math.log(ab) - Math.log1p(-ab));
  }

  /**
   * @param lambda a half log-SNR in [λ(1), λ(1/T)]
   * @return the continuous time t with λ(t) = lambda; the default bisects on (0, 1], relying on λ decreasing in t
   */
  default double timeOfLambda(double lambda) {
    double lo = 0.0;
    double hi = 1.0;
    for (int i = 0; i < 200 && hi - lo > 1e-15; i++) {
      double mid = 0.5 * (lo + hi);
      if (lambdaAt(mid) > lambda) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return 0.5 * (lo + hi);
  }

  /**
   * @return β(t) = −d log ᾱ(t)/dt, the VP-SDE diffusion rate at continuous time t ∈ (0, 1] (f = −½βx, g² = β); the
   *     default takes a central difference of log ᾱ
   */
  default double betaAt(double t) {
    double h = 1e-6;
    double lo = Math.max(0.0, t - h);
    double hi = Math.min(1.0, t + h);
    return -(Math.log(alphaBarAt(hi)) - Math.log(alphaBarAt(lo))) / (hi - lo);
  }
}
