package io.diffexit.strategies.reuse;

import io.diffexit.api.ExitStrategyFactory;
import io.diffexit.api.ParamSpec;
import io.diffexit.api.Params;
import io.diffexit.api.StepReuseStrategy;
import io.diffexit.api.StrategyContext;
import io.diffexit.strategies.Decisions;
import java.util.List;

/** {@code step-skip:threshold=0.01,max-skips=4}: AdaptiveDiffusion's step skipping ({@link StepSkipStrategy}). */
public final class StepSkipStrategyFactory implements ExitStrategyFactory {

  /** The name users type. */
  public static final String NAME = "step-skip";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "[step reuse] AdaptiveDiffusion (Ye et al. NeurIPS 2024, UniModal4Reasoning/AdaptiveDiffusion), per "
        + "sample: skip the denoiser call and reuse the last noise when |(d_s + d_s-2)/2 - d_s-1| <= threshold * d_s-1, "
        + "d_s = mean|x_s - x_s-1|, at most max-skips in a row; any backbone";
  }

  @Override
  public List<ParamSpec> params() {
    return List.of(
        ParamSpec.optional("threshold", 0.01, "bound on the third-order latent difference relative to d_s-1, >= 0"),
        ParamSpec.optional("max-skips", 4, "most skipped steps in a row, >= 1"));
  }

  @Override
  public boolean reusesSteps() {
    return true;
  }

  @Override
  public StepReuseStrategy create(Params params, StrategyContext context) {
    Params p = Decisions.checked(NAME, params, params(), context);
    double threshold = Decisions.nonNegative(p, "threshold", 0.01);
    int maxSkips = p.getInt("max-skips", 4, 1, Integer.MAX_VALUE);
    return new StepSkipStrategy(threshold, maxSkips);
  }
}
