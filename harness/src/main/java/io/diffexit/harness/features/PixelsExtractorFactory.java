package io.diffexit.harness.features;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.diffexit.api.FeatureExtractor;
import io.diffexit.api.FeatureExtractorContext;
import io.diffexit.api.FeatureExtractorFactory;
import io.diffexit.api.ParamSpec;
import io.diffexit.api.Params;
import java.util.List;

/**
 * {@code pixels}: the flattened pixels in [0, 1] as features, for debugging FID/KID plumbing. Its dimension is fixed by
 * the {@code size} parameter (C·H·W, default 784 = one 28×28 channel) so that statistics files stay comparable.
 */
public final class PixelsExtractorFactory implements FeatureExtractorFactory {

  @Override
  public String name() {
    return "pixels";
  }

  @Override
  public String description() {
    return "flattened pixels in [0,1] (debugging only: not a perceptual feature)";
  }

  @Override
  public List<ParamSpec> params() {
    return List.of(ParamSpec.optional("size", 784, "C*H*W of the images it accepts"));
  }

  @Override
  public FeatureExtractor create(Params params, FeatureExtractorContext context) {
    params = params.forOwner("feature extractor 'pixels'");
    params.requireKnownSpecs(params());
    int size = params.getInt("size", 784, 1, 1 << 24);
    return new FeatureExtractor() {
      @Override
      public String id() {
        return "pixels/" + size;
      }

      @Override
      public String checksum() {
        return "none";
      }

      @Override
      public int dimension() {
        return size;
      }

      @Override
      public NDArray features(NDArray images) {
        Shape s = images.getShape();
        if (s.dimension() < 2 || s.size() / s.get(0) != size) {
          throw new IllegalArgumentException("feature extractor 'pixels' expects images of " + size
              + " values each (parameter size), got shape " + s + "; pass pixels:size=" + (s.size() / Math.max(1,
              s.get(0))));
        }
        return images.reshape(s.get(0), size);
      }
    };
  }
}
