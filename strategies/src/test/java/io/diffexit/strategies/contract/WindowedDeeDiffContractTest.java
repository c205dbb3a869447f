package io.diffexit.strategies.contract;

import io.diffexit.api.ExitStrategyFactory;
import io.diffexit.strategies.deediff.DeeDiffStrategyFactory;
import io.diffexit.testkit.ExitStrategyContract;

/** DeeDiff restricted to a model-time window ({@code times}) keeps every contract of an exit strategy. */
class WindowedDeeDiffContractTest extends ExitStrategyContract {
  @Override
  protected ExitStrategyFactory factory() {
    return new DeeDiffStrategyFactory();
  }

  @Override
  protected String params() {
    return "threshold=0.5,times=300-1000";
  }
}
