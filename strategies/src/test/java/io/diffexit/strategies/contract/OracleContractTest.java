package io.diffexit.strategies.contract;

import io.diffexit.api.ExitStrategyFactory;
import io.diffexit.strategies.oracle.OracleStrategyFactory;
import io.diffexit.testkit.ExitStrategyContract;

class OracleContractTest extends ExitStrategyContract {
  @Override
  protected ExitStrategyFactory factory() {
    return new OracleStrategyFactory();
  }

  @Override
  protected String params() {
    return "delta=0.6";
  }
}
