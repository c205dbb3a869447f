package io.diffexit.api;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Standard normal noise that is a function of (seed, sample, step) only, so a sample's trajectory does not depend on
 * which other samples share its batch, and paired comparisons across strategies see the same noise.
 */
@FunctionalInterface
public interface NoiseSource {

  /**
   * @param manager the manager the result belongs to
   * @param shape (B, C, H, W)
   * @param step the sampler step the noise is for
   * @return N(0, I) noise of that shape, row b drawn for sample b of the run
   */
  NDArray normal(NDManager manager, Shape shape, int step);
}
