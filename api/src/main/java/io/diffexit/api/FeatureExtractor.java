package io.diffexit.api;

import ai.djl.ndarray.NDArray;

/** Maps images to feature vectors whose Gaussian statistics FID and KID compare. */
public interface FeatureExtractor extends AutoCloseable {

  /** @return a stable id naming the extractor and its variant, e.g. {@code "fmnist-net/penultimate-128"} */
  String id();

  /** @return a checksum of the weights (e.g. SHA-256 prefix), so every FID says exactly which network made it */
  String checksum();

  /** @return the feature dimension */
  int dimension();

  /**
   * @param images (B, C, H, W) float32 in [0, 1]
   * @return (B, dimension) float32 features
   */
  NDArray features(NDArray images);

  @Override
  default void close() {}
}
