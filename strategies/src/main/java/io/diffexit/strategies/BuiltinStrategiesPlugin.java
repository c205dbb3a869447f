package io.diffexit.strategies;

import io.diffexit.api.DiffexitPlugin;
import io.diffexit.api.ExitStrategyFactory;
import io.diffexit.strategies.berxit.BerxitStrategyFactory;
import io.diffexit.strategies.deediff.DeeDiffStrategyFactory;
import io.diffexit.strategies.fixed.FixedLayerStrategyFactory;
import io.diffexit.strategies.none.NoExitStrategyFactory;
import io.diffexit.strategies.oracle.OracleStrategyFactory;
import io.diffexit.strategies.reuse.BlockCacheStrategyFactory;
import io.diffexit.strategies.reuse.DeepCacheStrategyFactory;
import io.diffexit.strategies.reuse.StepSkipStrategyFactory;
import io.diffexit.strategies.schedule.ScheduleStrategyFactory;
import io.diffexit.strategies.similarity.SimilarityStrategyFactory;
import java.util.List;

/** The built-in strategies, registered like any third-party plugin in {@code META-INF/services}. */
public final class BuiltinStrategiesPlugin implements DiffexitPlugin {

  @Override
  public List<ExitStrategyFactory> strategies() {
    return List.of(
        new NoExitStrategyFactory(),
        new FixedLayerStrategyFactory(),
        new DeeDiffStrategyFactory(),
        new BerxitStrategyFactory(),
        new SimilarityStrategyFactory(),
        new ScheduleStrategyFactory(),
        new OracleStrategyFactory(),
        new BlockCacheStrategyFactory(),
        new DeepCacheStrategyFactory(),
        new StepSkipStrategyFactory());
  }
}
