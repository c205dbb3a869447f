package io.diffexit.harness.plugins;

import io.diffexit.api.BackboneFactory;
import io.diffexit.api.ExitStrategyFactory;
import io.diffexit.api.FeatureExtractorFactory;
import io.diffexit.api.SamplerFactory;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The {@link Registry} Guice builds from the {@code MapBinder} maps that {@link PluginModule} fills, one per kind.
 */
final class MapRegistry implements Registry {

  private final Map<String, BackboneFactory> backbones;
  private final Map<String, ExitStrategyFactory> strategies;
  private final Map<String, SamplerFactory> samplers;
  private final Map<String, FeatureExtractorFactory> featureExtractors;
  private final LoadedPlugins plugins;

  @Inject
  MapRegistry(
      Map<String, BackboneFactory> backbones,
      Map<String, ExitStrategyFactory> strategies,
      Map<String, SamplerFactory> samplers,
      Map<String, FeatureExtractorFactory> featureExtractors,
      LoadedPlugins plugins) {
    this.backbones = Map.copyOf(backbones);
    this.strategies = Map.copyOf(strategies);
    this.samplers = Map.copyOf(samplers);
    this.featureExtractors = Map.copyOf(featureExtractors);
    this.plugins = plugins;
  }

  @Override
  public BackboneFactory backbone(String name) {
    return lookup(backbones, ComponentKind.BACKBONE, name);
  }

  @Override
  public ExitStrategyFactory strategy(String name) {
    return lookup(strategies, ComponentKind.STRATEGY, name);
  }

  @Override
  public SamplerFactory sampler(String name) {
    return lookup(samplers, ComponentKind.SAMPLER, name);
  }

  @Override
  public FeatureExtractorFactory featureExtractor(String name) {
    return lookup(featureExtractors, ComponentKind.FEATURE_EXTRACTOR, name);
  }

  @Override
  public List<ComponentInfo> components() {
    return plugins.components().stream().map(LoadedPlugins.Component::info).toList();
  }

  @Override
  public List<PluginProblem> problems() {
    return plugins.problems();
  }

  private <F> F lookup(Map<String, F> factories, ComponentKind kind, String name) {
    F factory = factories.get(name);
    if (factory == null) {
      // Capitalised like the duplicate message: both are whole sentences the CLI prints as they are. The plugins that
      // could not be loaded are named too: the one asked for may be among them.
      StringBuilder notLoaded = new StringBuilder();
      for (PluginProblem p : plugins.problems()) {
        notLoaded.append(notLoaded.length() == 0 ? "; plugins not loaded: " : "; ").append(p.path()).append(" (")
            .append(p.reason()).append(')');
      }
      throw new IllegalArgumentException(
          "Unknown " + kind.label() + " '" + name + "'; known: " + new TreeSet<>(factories.keySet()) + notLoaded);
    }
    return factory;
  }
}
