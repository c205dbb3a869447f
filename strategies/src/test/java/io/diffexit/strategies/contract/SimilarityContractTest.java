package io.diffexit.strategies.contract;

import io.diffexit.api.ExitStrategyFactory;
import io.diffexit.strategies.similarity.SimilarityStrategyFactory;
import io.diffexit.testkit.ExitStrategyContract;

class SimilarityContractTest extends ExitStrategyContract {
  @Override
  protected ExitStrategyFactory factory() {
    return new SimilarityStrategyFactory();
  }

  @Override
  protected String params() {
    return "threshold=0.9";
  }
}
