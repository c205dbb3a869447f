package io.diffexit.backbones.uvit;

import io.diffexit.api.Backbone;
import io.diffexit.api.BackboneContext;
import io.diffexit.api.BackboneFactory;
import io.diffexit.api.ParamSpec;
import io.diffexit.api.Params;
import java.util.List;

/** Creates {@link UVitBackbone}s: {@code uvit:dim=96,depth=13,...}; defaults fit Fashion-MNIST (28×28×1, patch 4). */
public final class UVitFactory implements BackboneFactory {

  /** The name users select it by. */
  public static final String NAME = "uvit";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "U-ViT (baofff/U-ViT): time token + patch tokens, pre-LN blocks with long skips,"
        + " an exit point after every block, one shared head";
  }

  @Override
  public List<ParamSpec> params() {
    return UVitConfig.SPECS;
  }

  @Override
  public Backbone create(Params params, BackboneContext context) {
    return new UVitBackbone(UVitConfig.from(params), context);
  }
}
