package io.diffexit.strategies.fixed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.diffexit.api.BackboneSpec;
import io.diffexit.api.ExitPointSpec;
import io.diffexit.api.ExitStrategy;
import io.diffexit.api.HiddenLayout;
import io.diffexit.api.Params;
import io.diffexit.strategies.NdTestBase;
import io.diffexit.testkit.FixtureExitPoint;
import io.diffexit.testkit.TinySpecs;
import java.util.List;
import org.junit.jupiter.api.Test;

class FixedLayerStrategyTest extends NdTestBase {

  private final FixedLayerStrategyFactory factory = new FixedLayerStrategyFactory();

  @Test
  void everySampleExitsAtTheExitPointWithThatLayerAndNowhereElse() {
    BackboneSpec vit = TinySpecs.vit(5);
    ExitStrategy s = create(factory, "layer=3", vit);
    NDArray h = array(new float[3 * 5 * TinySpecs.D], 3, 5, TinySpecs.D);
    assertThat(bools(s.decide(FixtureExitPoint.at(vit, 1, h)))).containsExactly(false, false, false);
    assertThat(bools(s.decide(FixtureExitPoint.at(vit, 2, h)))).containsExactly(true, true, true);
    assertThat(s.describe()).isEqualTo("fixed(layer=3)");
  }

  @Test
  void layerMustBeGivenWithinTheDepthAndBeAnExitLayer() {
    BackboneSpec vit = TinySpecs.vit(5);
    assertThatThrownBy(() -> create(factory, "", vit))
        .hasMessage("exit strategy 'fixed': parameter 'layer' is required");
    assertThatThrownBy(() -> create(factory, "layer=20", vit))
        .hasMessage("exit strategy 'fixed': parameter 'layer' must be in [1, 5], got 20");
    assertThatThrownBy(() -> create(factory, "layer=two", vit))
        .hasMessage("exit strategy 'fixed': parameter 'layer' must be an integer, got 'two'");
    HiddenLayout l = HiddenLayout.featureMap(1, 4, 4, 2);
    BackboneSpec sparse = new BackboneSpec("sparse", Params.empty(), 1, 4, 4, List.of(
        new ExitPointSpec(0, "a", 2, new Shape(2, 4, 4), l, 1, 1),
        new ExitPointSpec(1, "b", 4, new Shape(2, 4, 4), l, 1, 1)), 0, 0);
    assertThatThrownBy(() -> create(factory, "layer=3", sparse))
        .hasMessage("exit strategy 'fixed': parameter 'layer' must be one of the exit layers [2, 4], got 3");
  }
}
