package io.diffexit.strategies.fixed;

import io.diffexit.api.ExitStrategy;
import io.diffexit.api.ExitStrategyFactory;
import io.diffexit.api.ParamSpec;
import io.diffexit.api.Params;
import io.diffexit.api.StrategyContext;
import io.diffexit.strategies.Decisions;
import io.diffexit.strategies.ExitLayers;
import java.util.List;

/** {@code fixed:layer=k}: every sample exits at the exit point whose layer is k. */
public final class FixedLayerStrategyFactory implements ExitStrategyFactory {

  @Override
  public String name() {
    return "fixed";
  }

  @Override
  public String description() {
    return "every sample exits at the same layer at every step (fixed-depth baseline)";
  }

  @Override
  public List<ParamSpec> params() {
    return List.of(ParamSpec.required("layer",
        "exit layer, 1..depth, one of the backbone's exit layers (ExitPointSpec.layer(), the number of blocks run)"));
  }

  @Override
  public ExitStrategy create(Params params, StrategyContext context) {
    Params p = Decisions.checked(name(), params, params(), context);
    ExitLayers layers = new ExitLayers(context.backbone());
    p.requireString("layer");
    int layer = p.getInt("layer", 0, 1, layers.depth());
    int index = layers.indexOf(layer);
    if (index < 0) {
      throw new IllegalArgumentException(p.owner() + ": parameter 'layer' must be one of the exit layers "
          + layers.asList() + ", got " + layer);
    }
    return new FixedLayerStrategy(layer, index);
  }

  /** Every sample exits at the same layer of a step (the configured one). */
  @Override
  public boolean decidesIndependentlyOfSamples() {
    return true;
  }
}
