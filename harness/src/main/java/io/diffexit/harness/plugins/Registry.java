package io.diffexit.harness.plugins;

import io.diffexit.api.BackboneFactory;
import io.diffexit.api.ExitStrategyFactory;
import io.diffexit.api.FeatureExtractorFactory;
import io.diffexit.api.NamedFactory;
import io.diffexit.api.SamplerFactory;
import java.util.List;

/**
 * Every factory the harness can use, by name: the built-ins and those of the jars in {@code plugins/}. Lookups of an
 * unknown name fail with {@code Unknown exit strategy 'x'; known: [fixed, none, ...]}.
 */
public interface Registry {

  /** @return the backbone factory with this name */
  BackboneFactory backbone(String name);

  /** @return the exit strategy factory with this name */
  ExitStrategyFactory strategy(String name);

  /** @return the sampler factory with this name */
  SamplerFactory sampler(String name);

  /** @return the feature extractor factory with this name */
  FeatureExtractorFactory featureExtractor(String name);

  /**
   * @param kind which kind of factory
   * @param name its name
   * @return the factory, as its common supertype (for listings; use the typed lookups to create things)
   */
  default NamedFactory factory(ComponentKind kind, String name) {
    return switch (kind) {
      case BACKBONE -> backbone(name);
      case STRATEGY -> strategy(name);
      case SAMPLER -> sampler(name);
      case FEATURE_EXTRACTOR -> featureExtractor(name);
    };
  }

  /** @return every registered component with its kind, origin and version, sorted by kind then name */
  List<ComponentInfo> components();

  /** @return plugins that could not be loaded, each with its path and the reason */
  List<PluginProblem> problems();
}
