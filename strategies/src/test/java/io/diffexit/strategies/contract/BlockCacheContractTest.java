package io.diffexit.strategies.contract;

import io.diffexit.api.ExitStrategyFactory;
import io.diffexit.strategies.reuse.BlockCacheStrategyFactory;
import io.diffexit.testkit.ExitStrategyContract;

class BlockCacheContractTest extends ExitStrategyContract {
  @Override
  protected ExitStrategyFactory factory() {
    return new BlockCacheStrategyFactory();
  }

  @Override
  protected String params() {
    return "threshold=0.5";
  }
}
