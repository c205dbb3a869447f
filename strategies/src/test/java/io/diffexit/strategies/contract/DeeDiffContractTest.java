package io.diffexit.strategies.contract;

import io.diffexit.api.ExitStrategyFactory;
import io.diffexit.strategies.deediff.DeeDiffStrategyFactory;
import io.diffexit.testkit.ExitStrategyContract;

class DeeDiffContractTest extends ExitStrategyContract {
  @Override
  protected ExitStrategyFactory factory() {
    return new DeeDiffStrategyFactory();
  }

  @Override
  protected String params() {
    return "threshold=0.5";
  }
}
