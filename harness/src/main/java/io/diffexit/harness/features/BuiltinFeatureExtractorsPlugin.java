package io.diffexit.harness.features;

import io.diffexit.api.DiffexitPlugin;
import io.diffexit.api.FeatureExtractorFactory;
import java.util.List;

/** The harness's built-in feature extractors for FID/KID: {@code fmnist-net}, {@code inception}, {@code pixels}. */
public final class BuiltinFeatureExtractorsPlugin implements DiffexitPlugin {

  @Override
  public List<FeatureExtractorFactory> featureExtractors() {
    return List.of(new FmnistNetExtractorFactory(), new InceptionExtractorFactory(), new PixelsExtractorFactory());
  }
}
