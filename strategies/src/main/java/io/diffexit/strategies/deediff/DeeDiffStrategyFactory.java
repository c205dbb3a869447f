package io.diffexit.strategies.deediff;

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

/** {@code deediff}: DeeDiff/AdaDiff's uncertainty estimation module and losses; see {@link DeeDiffStrategy}. */
public final class DeeDiffStrategyFactory implements ExitStrategyFactory {

  private static final List<String> UEM_CHOICES = List.of("token", "timestep");

  @Override
  public String name() {
    return "deediff";
  }

  @Override
  public String description() {
    return "DeeDiff/AdaDiff: per-layer UEM certainty map, exit when its mean > threshold; "
        + "trains with L_simple + λ·L_u + β·L_UAL (official code)";
  }

  @Override
  public List<ParamSpec> params() {
    return List.of(
        ParamSpec.optional("threshold", 0.9,
            "exit when the mean certainty (1 − uncertainty) of the UEM map exceeds this, in [0, 1]; the official "
                + "eval scripts use 0.92 (CIFAR-10, ImageNet), 0.95 (CelebA), 0.87 (MS-COCO)"),
        ParamSpec.optional("patience", 1,
            "in the first half of the network (layer <= depth/2) exit only at the (patience+1)-th exit point that "
                + "passes; 1 = the official in-blocks rule, 0 = exit at the first pass; second-half exit points "
                + "always exit at the first pass"),
        ParamSpec.optional("uem", "token",
            "UEM input: token = each patch token (official code), timestep = token concatenated with the "
                + "sinusoidal time embedding (the paper's [L_i, timesteps])"),
        ParamSpec.optional("lambda", 1.0, "weight of the UEM loss L_u, >= 0"),
        ParamSpec.optional("beta", 1.0, "weight of the uncertainty-aware layer-wise loss L_UAL, >= 0"),
        ExitTimeWindow.PARAM);
  }

  @Override
  public ExitStrategy create(Params params, StrategyContext context) {
    Params p = Decisions.checked(name(), params, params(), context);
    double threshold = Decisions.threshold(p, 0.9);
    int patience = p.getInt("patience", 1, 0, 1000);
    UemInput input = UemInput.valueOf(p.getChoice("uem", "token", UEM_CHOICES).toUpperCase(java.util.Locale.ROOT));
    double lambda = Decisions.nonNegative(p, "lambda", 1.0);
    double beta = Decisions.nonNegative(p, "beta", 1.0);
    BackboneSpec backbone = context.backbone();
    List<ExitPointSpec> points = backbone.exitPoints();
    long[] in = new long[points.size()];
    long[] out = new long[points.size()];
    for (int i = 0; i < in.length; i++) {
      ExitPointSpec e = points.get(i);
      PixelMaps.requireConsistent(p.owner(), e, backbone.height(), backbone.width());
      in[i] = DeeDiffStrategy.uemInputs(e, input);
      out[i] = PixelMaps.valuesPerPosition(e.layout(), backbone.channels());
    }
    if (context.manager() == null) {
      throw new IllegalArgumentException(p.owner() + " needs a manager in its context for the UEM parameters");
    }
    ExitProbeBlock uem = new ExitProbeBlock(in, out).initialize(context.manager());
    return ExitTimeWindow.apply(p, new DeeDiffStrategy(backbone, threshold, patience, input, lambda, beta, uem), context);
  }
}
