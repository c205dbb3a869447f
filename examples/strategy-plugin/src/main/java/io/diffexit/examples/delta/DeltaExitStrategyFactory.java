package io.diffexit.examples.delta;

import io.diffexit.api.ExitStrategy;
import io.diffexit.api.ExitStrategyFactory;
import io.diffexit.api.ParamSpec;
import io.diffexit.api.Params;
import io.diffexit.api.StrategyContext;
import java.util.List;

/** Creates {@link DeltaExitStrategy}: {@code --strategy delta-exit:bound=0.05}. */
public final class DeltaExitStrategyFactory implements ExitStrategyFactory {

  /** The name users select this strategy by. */
  public static final String NAME = "delta-exit";

  static final double DEFAULT_BOUND = 0.05;

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "exit when the exit head's prediction changes by less than a relative L2 bound between consecutive exit"
        + " points (example plugin)";
  }

  @Override
  public List<ParamSpec> params() {
    return List.of(
        ParamSpec.optional(
            "bound",
            DEFAULT_BOUND,
            "largest relative change ||g_i - g_(i-1)|| / ||g_(i-1)|| (per sample, L2 over C,H,W) that exits;"
                + " in [0, 100]"));
  }

  @Override
  public ExitStrategy create(Params params, StrategyContext context) {
    Params p = params.forOwner("exit strategy '" + NAME + "'");
    p.requireKnownSpecs(params());
    double bound = p.getDouble("bound", DEFAULT_BOUND, 0.0, 100.0);
    return new DeltaExitStrategy(bound, context);
  }
}
