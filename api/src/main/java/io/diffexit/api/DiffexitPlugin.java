package io.diffexit.api;

import java.util.List;

/**
 * The only type the harness looks up with {@link java.util.ServiceLoader}. A plugin jar registers exactly one
 * implementation in {@code META-INF/services/io.diffexit.api.DiffexitPlugin} and returns its named factories here.
 *
 * <p>Every getter defaults to an empty list, so a plugin overrides only the kinds it contributes and keeps compiling
 * when later API versions add kinds. Getters must be cheap and free of side effects: they are called at discovery time,
 * before any native library is loaded. Heavy work belongs in the factories' {@code create} methods.
 */
public interface DiffexitPlugin {

  /** @return the denoising networks this plugin contributes */
  default List<BackboneFactory> backbones() {
    return List.of();
  }

  /** @return the exit strategies this plugin contributes */
  default List<ExitStrategyFactory> strategies() {
    return List.of();
  }

  /** @return the samplers this plugin contributes */
  default List<SamplerFactory> samplers() {
    return List.of();
  }

  /** @return the feature extractors (for FID/KID) this plugin contributes */
  default List<FeatureExtractorFactory> featureExtractors() {
    return List.of();
  }
}
