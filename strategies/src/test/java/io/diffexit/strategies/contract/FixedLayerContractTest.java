package io.diffexit.strategies.contract;

import io.diffexit.api.ExitStrategyFactory;
import io.diffexit.strategies.fixed.FixedLayerStrategyFactory;
import io.diffexit.testkit.ExitStrategyContract;

class FixedLayerContractTest extends ExitStrategyContract {
  @Override
  protected ExitStrategyFactory factory() {
    return new FixedLayerStrategyFactory();
  }

  @Override
  protected String params() {
    return "layer=3";
  }
}
