package io.diffexit.harness.plugins;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import io.diffexit.api.ExitPoint;
import io.diffexit.api.ExitStrategy;
import io.diffexit.api.ExitStrategyFactory;
import io.diffexit.api.Params;
import io.diffexit.api.StrategyContext;

/** A test strategy factory of a given name whose strategies let every sample run to the last exit point. */
final class NeverExitStrategyFactory implements ExitStrategyFactory {
  private final String name;

  NeverExitStrategyFactory(String name) {
    this.name = name;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String description() {
    return "test strategy " + name;
  }

  @Override
  public ExitStrategy create(Params params, StrategyContext context) {
    params.forOwner("exit strategy '" + name + "'").requireKnownSpecs(params());
    return new ExitStrategy() {
      @Override
      public String describe() {
        return name;
      }

      @Override
      public NDArray decide(ExitPoint point) {
        return point.sampleIds().zerosLike().toType(DataType.BOOLEAN, false);
      }
    };
  }
}
