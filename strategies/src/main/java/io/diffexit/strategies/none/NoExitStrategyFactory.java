package io.diffexit.strategies.none;

import io.diffexit.api.ExitStrategy;
import io.diffexit.api.ExitStrategyFactory;
import io.diffexit.api.ParamSpec;
import io.diffexit.api.Params;
import io.diffexit.api.StrategyContext;
import io.diffexit.strategies.Decisions;
import java.util.List;

/** {@code none}: the full network, never exits early. */
public final class NoExitStrategyFactory implements ExitStrategyFactory {

  @Override
  public String name() {
    return "none";
  }

  @Override
  public String description() {
    return "full depth, never exits early (baseline); trains with L_simple";
  }

  @Override
  public List<ParamSpec> params() {
    return List.of();
  }

  @Override
  public ExitStrategy create(Params params, StrategyContext context) {
    Decisions.checked(name(), params, params(), context);
    return new NoExitStrategy();
  }

  /** The baseline of a bench group: full depth at every step. */
  @Override
  public boolean runsFullModel() {
    return true;
  }

  /** No decision depends on a sample. */
  @Override
  public boolean decidesIndependentlyOfSamples() {
    return true;
  }
}
