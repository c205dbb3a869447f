package io.diffexit.harness.plugins;

import io.diffexit.api.DiffexitPlugin;
import io.diffexit.api.ExitStrategyFactory;
import java.util.List;

/**
 * A built-in stand-in for tests: registered only on the isolated class loader {@link TestPlugins#builtIns} builds,
 * never in the test class path's own services file, so other tests see the real built-ins only.
 */
public final class TestBuiltinPlugin implements DiffexitPlugin {
  @Override
  public List<ExitStrategyFactory> strategies() {
    return List.of(new NeverExitStrategyFactory("test-builtin"));
  }
}
