package io.diffexit.strategies.contract;

import io.diffexit.api.ExitStrategyFactory;
import io.diffexit.strategies.none.NoExitStrategyFactory;
import io.diffexit.testkit.ExitStrategyContract;

class NoExitContractTest extends ExitStrategyContract {
  @Override
  protected ExitStrategyFactory factory() {
    return new NoExitStrategyFactory();
  }

  @Override
  protected String params() {
    return "";
  }

  @Override
  protected boolean savesWork() {
    return false;
  }
}
