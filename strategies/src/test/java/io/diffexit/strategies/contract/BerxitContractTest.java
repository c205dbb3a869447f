package io.diffexit.strategies.contract;

import io.diffexit.api.ExitStrategyFactory;
import io.diffexit.strategies.berxit.BerxitStrategyFactory;
import io.diffexit.testkit.ExitStrategyContract;

class BerxitContractTest extends ExitStrategyContract {
  @Override
  protected ExitStrategyFactory factory() {
    return new BerxitStrategyFactory();
  }

  @Override
  protected String params() {
    return "threshold=0.5";
  }
}
