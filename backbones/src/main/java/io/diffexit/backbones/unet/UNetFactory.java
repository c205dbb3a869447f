package io.diffexit.backbones.unet;

import io.diffexit.api.Backbone;
import io.diffexit.api.BackboneContext;
import io.diffexit.api.BackboneFactory;
import io.diffexit.api.ParamSpec;
import io.diffexit.api.Params;
import java.util.List;

/** Creates {@link UNetBackbone}s, the DDPM-style U-Net with exit heads, under the name {@code unet}. */
public final class UNetFactory implements BackboneFactory {

  /** The name users select it by. */
  public static final String NAME = "unet";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "DDPM-style U-Net (GroupNorm residual blocks, skip concatenation) with exit heads after the middle block"
        + " and every decoder level";
  }

  @Override
  public List<ParamSpec> params() {
    return UNetConfig.PARAMS;
  }

  @Override
  public Backbone create(Params params, BackboneContext context) {
    return new UNetBackbone(UNetConfig.fromParams(params), context.manager(), context.seed(), context.schedule());
  }
}
