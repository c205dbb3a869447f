package io.diffexit.strategies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.diffexit.api.ExitPointSpec;
import io.diffexit.api.HiddenLayout;
import org.junit.jupiter.api.Test;

class PixelMapsTest extends NdTestBase {

  @Test
  void toPixelsUnpatchifiesLikeUvitWithRowInPatchColumnInPatchChannelOrder() {
    // 2 channels, patch 2, grid 1x2 (image 2x4): value = 100*token + 10*(row*2+col) + channel
    HiddenLayout layout = HiddenLayout.tokens(0, 2, 1, 2, 3);
    float[] v = new float[2 * 8];
    for (int n = 0; n < 2; n++) {
      for (int rc = 0; rc < 4; rc++) {
        for (int c = 0; c < 2; c++) {
          v[n * 8 + rc * 2 + c] = 100 * n + 10 * rc + c;
        }
      }
    }
    float[] pixels = PixelMaps.toPixels(array(v, 1, 2, 8), layout, 2).toFloatArray();
    // pixel (c, y, x) comes from token x/2, in-patch (y%2, x%2)
    for (int c = 0; c < 2; c++) {
      for (int y = 0; y < 2; y++) {
        for (int x = 0; x < 4; x++) {
          float expected = 100 * (x / 2) + 10 * ((y % 2) * 2 + x % 2) + c;
          assertThat(pixels[c * 8 + y * 4 + x]).as("c=%d y=%d x=%d", c, y, x).isEqualTo(expected);
        }
      }
    }
  }

  @Test
  void fromPixelsInvertsToPixelsForTokens() {
    HiddenLayout layout = HiddenLayout.tokens(1, 2, 2, 2, 8);
    NDArray values = array(randoms(1, 2 * 4 * 12), 2, 4, 12);
    NDArray back = PixelMaps.fromPixels(PixelMaps.toPixels(values, layout, 3), layout);
    assertThat(back.getShape()).isEqualTo(new Shape(2, 4, 12));
    assertThat(back.toFloatArray()).containsExactly(values.toFloatArray());
  }

  @Test
  void featureMapValuesAreUpsampledByNearestNeighbourAndPooledBack() {
    HiddenLayout layout = HiddenLayout.featureMap(2, 1, 2, 5);
    NDArray values = array(new float[] {1, 2}, 1, 2, 1);
    NDArray pixels = PixelMaps.toPixels(values, layout, 1);
    assertThat(pixels.getShape()).isEqualTo(new Shape(1, 1, 2, 4));
    assertThat(pixels.toFloatArray()).containsExactly(1, 1, 2, 2, 1, 1, 2, 2);
    NDArray image = array(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 1, 1, 2, 4);
    assertThat(PixelMaps.fromPixels(image, layout).toFloatArray()).containsExactly(3.5f, 5.5f);
  }

  @Test
  void rowsDropPrefixTokensAndFlattenFeatureMapsRowMajor() {
    NDArray tokens = array(new float[] {9, 9, 1, 2, 3, 4}, 1, 3, 2);
    assertThat(PixelMaps.rows(tokens, HiddenLayout.tokens(1, 1, 1, 2, 2)).toFloatArray()).containsExactly(1, 2, 3, 4);
    // (B=1, C=2, h=1, w=2): cells (0,0) -> [1, 3], (0,1) -> [2, 4]
    NDArray map = array(new float[] {1, 2, 3, 4}, 1, 2, 1, 2);
    HiddenLayout l = HiddenLayout.featureMap(1, 1, 2, 2);
    assertThat(PixelMaps.rows(map, l).toFloatArray()).containsExactly(1, 3, 2, 4);
    assertThat(PixelMaps.pooled(map, l).toFloatArray()).containsExactly(1.5f, 3.5f);
  }

  @Test
  void inconsistentLayoutsAreRefusedNamingTheExitPoint() {
    ExitPointSpec wrongShape =
        new ExitPointSpec(0, "in1", 1, new Shape(4, 8), HiddenLayout.tokens(1, 2, 2, 2, 8), 0, 0);
    assertThatThrownBy(() -> PixelMaps.requireConsistent("exit strategy 'x'", wrongShape, 4, 4))
        .hasMessage("exit strategy 'x': exit point 'in1' has hidden shape (4, 8) but its layout "
            + HiddenLayout.tokens(1, 2, 2, 2, 8) + " implies (5, 8)");
    ExitPointSpec wrongImage =
        new ExitPointSpec(0, "in1", 1, new Shape(5, 8), HiddenLayout.tokens(1, 2, 2, 2, 8), 0, 0);
    assertThatThrownBy(() -> PixelMaps.requireConsistent("exit strategy 'x'", wrongImage, 6, 4))
        .hasMessage("exit strategy 'x': exit point 'in1' layout covers 4x4 pixels, but the image is 6x4");
  }
}
