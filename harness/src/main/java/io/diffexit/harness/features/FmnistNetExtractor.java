package io.diffexit.harness.features;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.diffexit.api.FeatureExtractor;

/** Features of {@link FmnistNet}: 28×28 images, one channel (RGB is converted to grey with ITU-R 601 luma). */
final class FmnistNetExtractor implements FeatureExtractor {

  private final FmnistNet net;
  private final ParameterStore ps;
  private final String id;
  private final String checksum;

  FmnistNetExtractor(FmnistNet net, NDManager weights, String id, String checksum) {
    this.net = net;
    this.ps = new ParameterStore(weights, false);
    this.id = id;
    this.checksum = checksum;
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public String checksum() {
    return checksum;
  }

  @Override
  public int dimension() {
    return FmnistNet.FEATURE_DIM;
  }

  @Override
  public NDArray features(NDArray images) {
    Shape s = images.getShape();
    if (s.dimension() != 4 || s.get(2) != 28 || s.get(3) != 28 || (s.get(1) != 1 && s.get(1) != 3)) {
      throw new IllegalArgumentException("feature extractor 'fmnist-net' takes (B, 1 or 3, 28, 28) images, got " + s
          + "; resize the images to 28x28 or use another extractor (e.g. inception)");
    }
    NDArray grey = s.get(1) == 1 ? images : Images.luma(images);
    NDArray f = net.features(ps, grey, false);
    if (grey != images) {
      grey.close();
    }
    return f;
  }
}
