package io.diffexit.strategies.similarity;

import io.diffexit.api.ExitStrategy;
import io.diffexit.api.ExitStrategyFactory;
import io.diffexit.api.ParamSpec;
import io.diffexit.api.Params;
import io.diffexit.api.StrategyContext;
import io.diffexit.strategies.Decisions;
import io.diffexit.strategies.ExitTimeWindow;
import java.util.List;

/** {@code similarity}: CALM-style hidden-state saturation exit; see {@link SimilarityStrategy}. */
public final class SimilarityStrategyFactory implements ExitStrategyFactory {

  @Override
  public String name() {
    return "similarity";
  }

  @Override
  public String description() {
    return "CALM-style: exit when the cosine similarity of adjacent exit points' hidden states > threshold; "
        + "trains with L_simple + decayed layer-wise loss (w_i = i/sum j)";
  }

  @Override
  public List<ParamSpec> params() {
    return List.of(ParamSpec.optional("threshold", 0.99,
        "exit when cos(h_{i-1}, h_i) of the per-sample flattened hidden states exceeds this, in [0, 1]"),
        ExitTimeWindow.PARAM);
  }

  @Override
  public ExitStrategy create(Params params, StrategyContext context) {
    Params p = Decisions.checked(name(), params, params(), context);
    return ExitTimeWindow.apply(p, new SimilarityStrategy(context.backbone(), Decisions.threshold(p, 0.99)), context);
  }
}
