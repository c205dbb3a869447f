package io.diffexit.harness.fid;

import java.util.Objects;

/**
 * A matrix of feature vectors, one row per image, as an extractor produced them (float32, row-major).
 *
 * @param data n·d values, row-major
 * @param count n, the number of images
 * @param dimension d, the feature dimension
 * @param label where the images came from, e.g. {@code fashion-mnist:test[:1000]}
 */
public record Features(float[] data, int count, int dimension, String label) {

  public Features {
    Objects.requireNonNull(data, "data");
    Objects.requireNonNull(label, "label");
    if (count < 0 || dimension < 1 || (long) count * dimension != data.length) {
      throw new IllegalArgumentException(
          "features of " + label + ": " + data.length + " values do not make " + count + " rows of " + dimension);
    }
  }

  /** @return row i as doubles */
  public double[] row(int i) {
    double[] r = new double[dimension];
    int off = i * dimension;
    for (int k = 0; k < dimension; k++) {
      r[k] = data[off + k];
    }
    return r;
  }

  /**
   * @return these features, checked to be at least {@code min} rows of finite values
   * @throws IllegalArgumentException naming the label and the first bad value
   */
  public Features requireUsable(int min, String purpose) {
    if (count < min) {
      throw new IllegalArgumentException(purpose + " needs at least " + min + " samples per side; " + label + " has "
          + count);
    }
    for (int i = 0; i < data.length; i++) {
      if (!Float.isFinite(data[i])) {
        throw new IllegalArgumentException("features of " + label + " contain " + data[i] + " (sample " + i / dimension
            + ", feature " + i % dimension + "); check the images and the feature extractor");
      }
    }
    return this;
  }
}
