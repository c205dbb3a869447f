package io.diffexit.backbones.uvit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.diffexit.api.NoiseSchedule;
import io.diffexit.backbones.nn.NoiseScales;

/**
 * The per-sample terms that turn a v prediction into ε (Salimans &amp; Ho 2022): with v = √ᾱ·ε − √(1−ᾱ)·x₀ and
 * x_t = √ᾱ·x₀ + √(1−ᾱ)·ε, ε = √(1−ᾱ)·x_t + √ᾱ·v. At high noise (ᾱ → 0) ε̂ is x_t itself and the network's error is
 * scaled by √ᾱ, so the x̂₀ that DDIM derives at the start of sampling no longer amplifies small ε errors
 * by 1/√ᾱ (the saturated blobs of the ε-predicting U-ViTs).
 *
 * <p>Holds √ᾱ (B, 1, 1, 1) and √(1−ᾱ)·x_t (B, C, H, W) in the manager of x_t; {@link #rows} selects samples, for batch
 * compaction and for heads evaluated on a subset.
 */
final class VParameterization {

  private final NDArray signal;
  private final NDArray scaledInput;

  private VParameterization(NDArray signal, NDArray scaledInput) {
    this.signal = signal;
    this.scaledInput = scaledInput;
  }

  /**
   * @param schedule the forward process the model is trained for
   * @param x the pass input x_t (B, C, H, W)
   * @param t the model time (B)
   * @return the terms for these samples, in {@code x}'s manager
   */
  static VParameterization of(NoiseSchedule schedule, NDArray x, NDArray t) {
    NoiseScales scales = NoiseScales.of(schedule, t);
    NDManager m = x.getManager();
    Shape column = new Shape(scales.signal().length, 1, 1, 1);
    NDArray noise = m.create(scales.noise(), column);
    NDArray scaled = x.mul(noise);
    noise.close();
    return new VParameterization(m.create(scales.signal(), column), scaled);
  }

  /**
   * @param v the head's v̂ (n, C, H, W) for the same samples, in the calling scope's manager
   * @return ε̂ = √ᾱ·v̂ + √(1−ᾱ)·x_t, in {@code v}'s manager
   */
  NDArray toEpsilon(NDArray v) {
    return v.mul(signal).add(scaledInput);
  }

  /**
   * @param keep a boolean mask over the held samples
   * @return the terms of the kept samples, in the manager of this instance's arrays
   */
  VParameterization rows(NDArray keep) {
    return new VParameterization(signal.get(keep), scaledInput.get(keep));
  }

  /** Moves both arrays to {@code manager} (e.g. a scope that closes them). */
  VParameterization attach(NDManager manager) {
    signal.attach(manager);
    scaledInput.attach(manager);
    return this;
  }
}
