package io.diffexit.strategies.berxit;

import io.diffexit.api.BackboneSpec;
import io.diffexit.api.ExitPointSpec;
import io.diffexit.api.ExitStrategy;
import io.diffexit.api.ExitStrategyFactory;
import io.diffexit.api.ParamSpec;
import io.diffexit.api.Params;
import io.diffexit.api.StrategyContext;
import io.diffexit.strategies.Decisions;
import io.diffexit.strategies.ExitProbeBlock;
import io.diffexit.strategies.ExitTimeWindow;
import io.diffexit.strategies.PixelMaps;
import java.util.List;

/** {@code berxit}: BERxiT's learning-to-exit head per exit point; see {@link BerxitStrategy}. */
public final class BerxitStrategyFactory implements ExitStrategyFactory {

  @Override
  public String name() {
    return "berxit";
  }

  @Override
  public String description() {
    return "BERxiT: learned per-layer uncertainty (LTE) on pooled hidden states, exit when < threshold; "
        + "trains with L_simple + average layer-wise loss + LTE MSE";
  }

  @Override
  public List<ParamSpec> params() {
    return List.of(ParamSpec.optional("threshold", 0.1,
        "exit when the LTE's predicted uncertainty (target: per-sample mean of tanh|g_i - eps|) is below this, "
            + "in [0, 1]; 0.1 matches deediff's default certainty 0.9"), ExitTimeWindow.PARAM);
  }

  @Override
  public ExitStrategy create(Params params, StrategyContext context) {
    Params p = Decisions.checked(name(), params, params(), context);
    double threshold = Decisions.threshold(p, 0.1);
    BackboneSpec backbone = context.backbone();
    List<ExitPointSpec> points = backbone.exitPoints();
    long[] in = new long[points.size()];
    long[] out = new long[points.size()];
    for (int i = 0; i < in.length; i++) {
      PixelMaps.requireConsistent(p.owner(), points.get(i), backbone.height(), backbone.width());
      in[i] = points.get(i).layout().features();
      out[i] = 1;
    }
    if (context.manager() == null) {
      throw new IllegalArgumentException(p.owner() + " needs a manager in its context for the LTE parameters");
    }
    return ExitTimeWindow.apply(p,
        new BerxitStrategy(backbone, threshold, new ExitProbeBlock(in, out).initialize(context.manager())), context);
  }
}
