package io.diffexit.api;

/**
 * The forward process q(x_t | x_0) = N(sqrt(ᾱ_t) x_0, (1 − ᾱ_t) I) a model was trained with.
 *
 * <p>Discrete view: timesteps t ∈ {0, …, T−1} with ᾱ_t = Π_{s≤t} (1 − β_s). Continuous view: t ∈ (0, 1] with
 * ᾱ(t); for DDPM's linear β (1e-4 → 0.02, T = 1000) the continuous view is the VP-SDE with β0 = 0.1, β1 = 20, and
 * discrete index i corresponds to t = (i + 1) / T.
 *
 * <p>Model time convention: the network's time input is {@link #modelTime(double)} of the continuous time, which for
 * the built-in schedules is the discrete index (t·T − 1, a float), as in DDPM/diffusers.
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
}
