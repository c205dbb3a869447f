package io.diffexit.strategies.reuse;

import io.diffexit.api.BackboneSpec;
import io.diffexit.api.ExitPointSpec;
import io.diffexit.api.ExitStrategyFactory;
import io.diffexit.api.ParamSpec;
import io.diffexit.api.Params;
import io.diffexit.api.StepReuseStrategy;
import io.diffexit.api.StrategyContext;
import io.diffexit.strategies.Decisions;
import java.util.ArrayList;
import java.util.List;

/** {@code deepcache:interval=3,level=1}: DeepCache on a U-Net ({@link DeepCacheStrategy}). */
public final class DeepCacheStrategyFactory implements ExitStrategyFactory {

  /** The name users type. */
  public static final String NAME = "deepcache";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "[step reuse] DeepCache (Ma et al. CVPR 2024, horseee/DeepCache), per sample: the full U-Net every "
        + "interval steps, in between only the level finest encoder and decoder levels on the cached deep features; "
        + "backbones that can resume a pass (unet)";
  }

  @Override
  public List<ParamSpec> params() {
    return List.of(
        ParamSpec.optional("interval", 3, "steps from one full step to the next, >= 1 (1: never reuses)"),
        ParamSpec.optional("level", 1,
            "resolution levels recomputed at a reused step, finest first, 1..levels (the rest are cached)"));
  }

  @Override
  public boolean reusesSteps() {
    return true;
  }

  @Override
  public StepReuseStrategy create(Params params, StrategyContext context) {
    Params p = Decisions.checked(NAME, params, params(), context);
    int interval = p.getInt("interval", 3, 1, Integer.MAX_VALUE);
    BackboneSpec backbone = context.backbone();
    List<ExitPointSpec> points = backbone.exitPoints();
    List<String> resumable = new ArrayList<>();
    for (ExitPointSpec e : points.subList(0, points.size() - 1)) {
      if (e.resumable()) {
        resumable.add(e.name());
      }
    }
    if (resumable.isEmpty()) {
      throw new IllegalArgumentException(p.owner() + " needs a backbone that can resume a pass at an inner exit point "
          + "(such as unet); backbone '" + backbone.name() + "' cannot");
    }
    int level = p.getInt("level", 1, 1, points.size() - 1);
    ExitPointSpec at = points.get(points.size() - 1 - level);
    if (!at.resumable()) {
      throw new IllegalArgumentException(p.owner() + ": backbone '" + backbone.name() + "' cannot resume at "
          + at.name() + " (level=" + level + "); it can resume at " + resumable);
    }
    return new DeepCacheStrategy(backbone, interval, level);
  }
}
