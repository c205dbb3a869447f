package io.diffexit.examples.delta;

import io.diffexit.api.DiffexitPlugin;
import io.diffexit.api.ExitStrategyFactory;
import java.util.List;

/** Entry point of this plugin jar: contributes the {@code delta-exit} strategy. */
public final class DeltaExitPlugin implements DiffexitPlugin {

  @Override
  public List<ExitStrategyFactory> strategies() {
    return List.of(new DeltaExitStrategyFactory());
  }
}
