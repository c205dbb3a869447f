package io.diffexit.backbones;

import io.diffexit.api.BackboneFactory;
import io.diffexit.api.DiffexitPlugin;
import io.diffexit.backbones.unet.UNetFactory;
import io.diffexit.backbones.uvit.UVitFactory;
import java.util.List;

/** The built-in backbones, registered like any third-party plugin in {@code META-INF/services}. */
public final class BuiltinBackbonesPlugin implements DiffexitPlugin {

  @Override
  public List<BackboneFactory> backbones() {
    return List.of(new UVitFactory(), new UNetFactory());
  }
}
