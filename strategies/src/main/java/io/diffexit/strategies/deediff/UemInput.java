package io.diffexit.strategies.deediff;

import java.util.Locale;

/** What DeeDiff's uncertainty estimation module (UEM) reads at each position. */
public enum UemInput {
  /**
   * The patch token (or feature-map cell) alone, one linear map per exit point shared across timesteps: the official
   * code (Tangshengku/AdaDiff, libs/uvit.py {@code LTE}). Time reaches it only through the hidden state.
   */
  TOKEN,
  /**
   * The paper's {@code u = f(wᵀ[L_i, timesteps] + b)}: each position's features concatenated with the sinusoidal
   * embedding of the model time (width = the hidden width, rounded up to even), then the same linear + sigmoid.
   */
  TIMESTEP;

  /** @return the parameter value, {@code token} or {@code timestep} */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
