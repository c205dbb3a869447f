package io.diffexit.harness.bench;

import io.diffexit.api.ExitStrategyFactory;
import io.diffexit.harness.plugins.Registry;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * What the bench must know of a strategy type (is it the full-model baseline, do its decisions ignore the samples),
 * read from the properties its factory declares ({@link ExitStrategyFactory#runsFullModel},
 * {@link ExitStrategyFactory#decidesIndependentlyOfSamples}), never from its name: a plugin strategy qualifies as
 * a built-in does. A composed type ({@code block-cache+deediff}) reuses steps, so it is neither.
 */
public final class StrategyTraits {

  /** Knows no strategy: no cell is a baseline and no per-batch cell is rejected as a duplicate. */
  public static final StrategyTraits UNKNOWN = new StrategyTraits(null, Set.of(), Set.of());

  private final Registry registry;
  private final Set<String> fullModel;
  private final Set<String> sampleIndependent;
  private final Map<String, ExitStrategyFactory> cache = new HashMap<>();

  private StrategyTraits(Registry registry, Set<String> fullModel, Set<String> sampleIndependent) {
    this.registry = registry;
    this.fullModel = fullModel;
    this.sampleIndependent = sampleIndependent;
  }

  /** @return the traits the registry's factories declare (built-ins and plugins alike) */
  public static StrategyTraits of(Registry registry) {
    return new StrategyTraits(registry, Set.of(), Set.of());
  }

  /**
   * @param fullModel strategy types that run the full model
   * @param sampleIndependent strategy types whose decisions do not depend on the sample
   * @return fixed traits, for tests and for tools without a registry
   */
  public static StrategyTraits of(Set<String> fullModel, Set<String> sampleIndependent) {
    return new StrategyTraits(null, Set.copyOf(fullModel), Set.copyOf(sampleIndependent));
  }

  /** @return whether cells of this strategy type are their group's full-model baseline */
  public boolean runsFullModel(String type) {
    ExitStrategyFactory f = factory(type);
    return f == null ? fullModel.contains(type) : f.runsFullModel();
  }

  /** @return whether a per-batch decision of this strategy type equals the per-sample one */
  public boolean decidesIndependentlyOfSamples(String type) {
    ExitStrategyFactory f = factory(type);
    return f == null ? sampleIndependent.contains(type) : f.decidesIndependentlyOfSamples();
  }

  /** @return the factory, or null without a registry, for composed types and for types it does not know */
  private synchronized ExitStrategyFactory factory(String type) {
    if (registry == null || type.contains("+")) {
      return null;
    }
    return cache.computeIfAbsent(type, t -> {
      try {
        return registry.strategy(t);
      } catch (IllegalArgumentException unknown) {
        return null; // an unknown type is reported by GridBuilder.checkAgainst, not here
      }
    });
  }
}
