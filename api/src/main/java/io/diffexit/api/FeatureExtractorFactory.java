package io.diffexit.api;

/** Creates a {@link FeatureExtractor} for FID/KID, e.g. {@code fmnist-net} or {@code inception:path=...}. */
public interface FeatureExtractorFactory extends NamedFactory {

  /**
   * @param params the extractor's parameters (e.g. a weights path)
   * @param context where its weights live
   * @return a new extractor owned by the caller
   */
  FeatureExtractor create(Params params, FeatureExtractorContext context);
}
