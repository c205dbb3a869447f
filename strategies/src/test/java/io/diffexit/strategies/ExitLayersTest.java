package io.diffexit.strategies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.types.Shape;
import io.diffexit.api.BackboneSpec;
import io.diffexit.api.ExitPointSpec;
import io.diffexit.api.HiddenLayout;
import io.diffexit.api.Params;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExitLayersTest {

  private static BackboneSpec withLayers(int... layers) {
    HiddenLayout l = HiddenLayout.featureMap(1, 4, 4, 2);
    ExitPointSpec[] points = new ExitPointSpec[layers.length];
    for (int i = 0; i < layers.length; i++) {
      points[i] = new ExitPointSpec(i, "e" + i, layers[i], new Shape(2, 4, 4), l, 1, 1);
    }
    return new BackboneSpec("b", Params.empty(), 1, 4, 4, List.of(points), 0, 0);
  }

  @Test
  void roundsRequestedLayersUpToTheNextExitLayer() {
    ExitLayers layers = new ExitLayers(withLayers(2, 5, 9));
    assertThat(layers.depth()).isEqualTo(9);
    assertThat(layers.roundUp(1)).isZero();
    assertThat(layers.roundUp(2)).isZero();
    assertThat(layers.roundUp(2.01)).isEqualTo(1);
    assertThat(layers.roundUp(6)).isEqualTo(2);
    assertThat(layers.indexOf(5)).isEqualTo(1);
    assertThat(layers.indexOf(4)).isEqualTo(-1);
  }

  @Test
  void nonIncreasingExitLayersAreRefused() {
    assertThatThrownBy(() -> new ExitLayers(withLayers(2, 2)))
        .hasMessage("backbone 'b': exit layers must increase, got 2 then 2 at exit point 'e1'");
  }
}
