package io.diffexit.api;

import ai.djl.ndarray.NDManager;

/**
 * What the host gives a backbone factory.
 *
 * @param manager the long-lived manager that owns the backbone's parameters (its device is the backbone's device)
 * @param seed the seed used for parameter initialisation, recorded for reproducibility
 * @param schedule the forward process the backbone is trained for, or null when the host does not say; a backbone
 *     whose heads predict x̂₀ needs it to express them as ε (ε = (x_t − √ᾱ·x̂₀)/√(1−ᾱ))
 */
public record BackboneContext(NDManager manager, long seed, NoiseSchedule schedule) {

  /** A context without a schedule, for backbones that do not need one. */
  public BackboneContext(NDManager manager, long seed) {
    this(manager, seed, null);
  }
}
