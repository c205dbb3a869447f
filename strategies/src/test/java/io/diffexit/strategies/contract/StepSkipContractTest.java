package io.diffexit.strategies.contract;

import io.diffexit.api.ExitStrategyFactory;
import io.diffexit.strategies.reuse.StepSkipStrategyFactory;
import io.diffexit.testkit.ExitStrategyContract;

class StepSkipContractTest extends ExitStrategyContract {
  @Override
  protected ExitStrategyFactory factory() {
    return new StepSkipStrategyFactory();
  }

  @Override
  protected String params() {
    return "threshold=0.01";
  }
}
