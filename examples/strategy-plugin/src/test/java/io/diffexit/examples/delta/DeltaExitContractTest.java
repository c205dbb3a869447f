package io.diffexit.examples.delta;

import io.diffexit.api.ExitStrategyFactory;
import io.diffexit.testkit.ExitStrategyContract;

/** The test kit's contract over delta-exit, with a bound at which the kit's tiny backbone exits some samples early. */
class DeltaExitContractTest extends ExitStrategyContract {
  @Override
  protected ExitStrategyFactory factory() {
    return new DeltaExitStrategyFactory();
  }

  @Override
  protected String params() {
    return "bound=0.3";
  }
}
