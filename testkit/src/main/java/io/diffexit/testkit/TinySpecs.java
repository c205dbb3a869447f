package io.diffexit.testkit;

import ai.djl.ndarray.types.Shape;
import io.diffexit.api.BackboneSpec;
import io.diffexit.api.ExitPointSpec;
import io.diffexit.api.HiddenLayout;
import io.diffexit.api.Params;
import java.util.ArrayList;
import java.util.List;

/**
 * Hand-built backbone descriptions with no network behind them, only shapes and costs: for unit tests that feed a
 * strategy crafted arrays through {@link FixtureExitPoint}. A test that needs a pass to run uses {@link TinyBackbone}.
 */
public final class TinySpecs {

  /** Token width of {@link #vit}. */
  public static final int D = 8;

  private TinySpecs() {}

  /**
   * A U-ViT-like description: 1×4×4 images, patch 2 (2×2 grid), one time token, width {@value #D}, exit layers
   * 1..n; segments 1000 MACs, heads 50, embedding 10.
   *
   * @param n exit points
   */
  public static BackboneSpec vit(int n) {
    HiddenLayout layout = HiddenLayout.tokens(1, 2, 2, 2, D);
    List<ExitPointSpec> points = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      points.add(new ExitPointSpec(i, "b" + (i + 1), i + 1, new Shape(5, D), layout, 1000, 50));
    }
    return new BackboneSpec("tiny-vit", Params.empty(), 1, 4, 4, points, 10, 0);
  }

  /**
   * A U-Net-like description on 1×4×4 images: exit 0 = (6, 4, 4) at scale 1, exit 1 = (6, 2, 2) at scale 2 (same
   * channels as exit 0), exit 2 = (3, 2, 2) at scale 2 (other channels); segments 100 MACs, heads 5, embedding 10.
   */
  public static BackboneSpec unet() {
    List<ExitPointSpec> points = List.of(
        new ExitPointSpec(0, "down1", 1, new Shape(6, 4, 4), HiddenLayout.featureMap(1, 4, 4, 6), 100, 5),
        new ExitPointSpec(1, "down2", 2, new Shape(6, 2, 2), HiddenLayout.featureMap(2, 2, 2, 6), 100, 5),
        new ExitPointSpec(2, "up1", 3, new Shape(3, 2, 2), HiddenLayout.featureMap(2, 2, 2, 3), 100, 5));
    return new BackboneSpec("tiny-unet", Params.empty(), 1, 4, 4, points, 10, 0);
  }
}
