package io.diffexit.harness.runner;

import io.diffexit.api.ExitStrategyFactory;
import io.diffexit.harness.ComponentSpec;
import io.diffexit.harness.plugins.ComponentInfo;
import io.diffexit.harness.plugins.Registry;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Which strategies combine in one cell: exactly one step-reuse strategy (a factory whose {@code reusesSteps()} is
 * true: {@code block-cache}, {@code deepcache}, {@code step-skip}) followed by one exit strategy, written
 * {@code REUSE+EXIT}. A hindsight strategy (the oracle) needs every exit point of the full network at every step and
 * is refused when the exit part is created ({@link io.diffexit.harness.runner.ComposedStrategy}).
 */
public final class StrategyComposition {

  private StrategyComposition() {}

  /**
   * @param spec a strategy spec, composed or not
   * @param registry the factories
   * @return a one-line reason why the parts cannot combine, or empty when they can (or the spec is not composed)
   * @throws IllegalArgumentException for an unknown part name (the registry's message)
   */
  public static Optional<String> rejection(ComponentSpec spec, Registry registry) {
    if (!spec.isComposed()) {
      return Optional.empty();
    }
    List<ComponentSpec> parts;
    try {
      parts = spec.parts();
    } catch (IllegalArgumentException e) {
      return Optional.of(e.getMessage());
    }
    String a = parts.get(0).name();
    String b = parts.get(1).name();
    ExitStrategyFactory first = registry.strategy(a);
    ExitStrategyFactory second = registry.strategy(b);
    if (first.reusesSteps() && second.reusesSteps()) {
      return Optional.of("strategy '" + spec.name() + "' combines two step-reuse strategies; a cell takes one, "
          + "followed by at most one exit strategy, e.g. " + a + "+deediff");
    }
    if (!first.reusesSteps() && second.reusesSteps()) {
      return Optional.of("strategy '" + spec.name() + "': write the step-reuse strategy first, '" + b + "+" + a + "'");
    }
    if (!first.reusesSteps()) {
      return Optional.of("strategy '" + spec.name() + "' combines two exit strategies; a cell combines one step-reuse "
          + "strategy " + reuseNames(registry) + " with one exit strategy, written REUSE+EXIT");
    }
    return Optional.empty();
  }

  /** @return the names of the registered step-reuse strategies, e.g. {@code [block-cache, deepcache, step-skip]} */
  static List<String> reuseNames(Registry registry) {
    List<String> out = new ArrayList<>();
    for (ComponentInfo c : registry.components()) {
      if (c.kind().equals("strategy") && registry.strategy(c.name()).reusesSteps()) {
        out.add(c.name());
      }
    }
    return out;
  }
}
