package io.diffexit.harness.train.testkit;

import io.diffexit.api.BackboneFactory;
import io.diffexit.api.ExitStrategyFactory;
import io.diffexit.api.FeatureExtractorFactory;
import io.diffexit.api.SamplerFactory;
import io.diffexit.harness.plugins.ComponentInfo;
import io.diffexit.harness.plugins.PluginProblem;
import io.diffexit.harness.plugins.Registry;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** A registry with the test backbone {@code tiny} and the test strategy {@code tiny-uem}, worded like the real one. */
public final class TestRegistry implements Registry {

  private final Map<String, BackboneFactory> backbones = Map.of("tiny", new TinyBackbone.Factory());
  private final Map<String, ExitStrategyFactory> strategies = Map.of("tiny-uem", new TinyStrategy.Factory());

  private static <T> T find(Map<String, T> map, String kind, String name) {
    T f = map.get(name);
    if (f == null) {
      throw new IllegalArgumentException("Unknown " + kind + " '" + name + "'; known: " + new TreeSet<>(map.keySet()));
    }
    return f;
  }

  @Override
  public BackboneFactory backbone(String name) {
    return find(backbones, "backbone", name);
  }

  @Override
  public ExitStrategyFactory strategy(String name) {
    return find(strategies, "exit strategy", name);
  }

  @Override
  public SamplerFactory sampler(String name) {
    return find(Map.of(), "sampler", name);
  }

  @Override
  public FeatureExtractorFactory featureExtractor(String name) {
    return find(Map.of(), "feature extractor", name);
  }

  @Override
  public List<ComponentInfo> components() {
    return List.of();
  }

  @Override
  public List<PluginProblem> problems() {
    return List.of();
  }
}
