package io.diffexit.strategies.oracle;

import io.diffexit.api.ExitStrategy;
import io.diffexit.api.ExitStrategyFactory;
import io.diffexit.api.ParamSpec;
import io.diffexit.api.Params;
import io.diffexit.api.StrategyContext;
import io.diffexit.strategies.Decisions;
import java.util.List;

/** {@code oracle}: hindsight exit at the first head within δ of the full network (an upper bound). */
public final class OracleStrategyFactory implements ExitStrategyFactory {

  @Override
  public String name() {
    return "oracle";
  }

  @Override
  public String description() {
    return "upper bound, not a method: exits at the first head within relative distance delta of the final head "
        + "(needs every head: runs the full network)";
  }

  @Override
  public List<ParamSpec> params() {
    return List.of(ParamSpec.optional("delta", 0.05,
        "largest relative distance ||g_i - g_last|| / ||g_last|| (per sample, L2 over C,H,W) at which to exit, >= 0"));
  }

  @Override
  public ExitStrategy create(Params params, StrategyContext context) {
    Params p = Decisions.checked(name(), params, params(), context);
    return new OracleStrategy(Decisions.nonNegative(p, "delta", 0.05));
  }
}
