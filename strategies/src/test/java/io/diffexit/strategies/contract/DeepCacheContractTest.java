package io.diffexit.strategies.contract;

import io.diffexit.api.ExitStrategyFactory;
import io.diffexit.strategies.reuse.DeepCacheStrategyFactory;
import io.diffexit.testkit.ExitStrategyContract;

class DeepCacheContractTest extends ExitStrategyContract {
  @Override
  protected ExitStrategyFactory factory() {
    return new DeepCacheStrategyFactory();
  }

  @Override
  protected String params() {
    return "interval=2";
  }
}
