package io.diffexit.strategies.reuse;

import io.diffexit.api.BackboneSpec;
import io.diffexit.api.ExitPointSpec;
import io.diffexit.api.ExitStrategyFactory;
import io.diffexit.api.ParamSpec;
import io.diffexit.api.Params;
import io.diffexit.api.StepReuseStrategy;
import io.diffexit.api.StrategyContext;
import io.diffexit.strategies.Decisions;
import java.util.List;

/** {@code block-cache:threshold=0.05,max-skips=3,warmup=2}: the first-block residual cache ({@link BlockCacheStrategy}). */
public final class BlockCacheStrategyFactory implements ExitStrategyFactory {

  /** The name users type. */
  public static final String NAME = "block-cache";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "[step reuse] first-block cache (FBCache, ParaAttention/diffusers FirstBlockCacheConfig), per sample: run "
        + "block 1; if mean|r - r*|/mean|r*| < threshold (r = its residual, r* = at the last full step) take the head "
        + "on h1 + the cached residual of the later blocks, else run them; transformer backbones (uvit)";
  }

  @Override
  public List<ParamSpec> params() {
    return List.of(
        ParamSpec.optional("threshold", 0.05,
            "relative change of the first block's residual below which a sample reuses, >= 0 (0: never reuses)"),
        ParamSpec.optional("max-skips", 3, "most reused steps in a row before a full step, >= 1"),
        ParamSpec.optional("warmup", 2, "first steps that always run in full, >= 0"));
  }

  @Override
  public boolean reusesSteps() {
    return true;
  }

  @Override
  public StepReuseStrategy create(Params params, StrategyContext context) {
    Params p = Decisions.checked(NAME, params, params(), context);
    double threshold = Decisions.nonNegative(p, "threshold", 0.05);
    int maxSkips = p.getInt("max-skips", 3, 1, Integer.MAX_VALUE);
    int warmup = p.getInt("warmup", 2, 0, Integer.MAX_VALUE);
    BackboneSpec backbone = context.backbone();
    List<ExitPointSpec> points = backbone.exitPoints();
    ExitPointSpec first = points.get(0);
    ExitPointSpec last = points.get(points.size() - 1);
    if (points.size() < 2 || !first.hiddenShape().equals(last.hiddenShape())) {
      throw new IllegalArgumentException(p.owner() + " needs a backbone whose first and last exit points have the same "
          + "hidden shape (a transformer such as uvit); backbone '" + backbone.name() + "' has " + first.hiddenShape()
          + " at " + first.name() + " and " + last.hiddenShape() + " at " + last.name());
    }
    return new BlockCacheStrategy(backbone, threshold, maxSkips, warmup);
  }
}
