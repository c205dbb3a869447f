package io.diffexit.strategies.none;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.training.ParameterStore;
import io.diffexit.api.BackboneSpec;
import io.diffexit.api.ExitStrategy;
import io.diffexit.api.LayerwiseOutputs;
import io.diffexit.api.ObjectiveValue;
import io.diffexit.strategies.NdTestBase;
import io.diffexit.testkit.FixtureExitPoint;
import io.diffexit.testkit.TinySpecs;
import java.util.List;
import org.junit.jupiter.api.Test;

class NoExitStrategyTest extends NdTestBase {

  @Test
  void neverExitsAndTrainsWithLSimpleOnTheFinalHead() {
    BackboneSpec vit = TinySpecs.vit(2);
    ExitStrategy s = create(new NoExitStrategyFactory(), "", vit);
    FixtureExitPoint p = FixtureExitPoint.at(vit, 0, array(new float[2 * 5 * TinySpecs.D], 2, 5, TinySpecs.D));
    assertThat(bools(s.decide(p))).containsExactly(false, false);
    ObjectiveValue v = s.objective().orElseThrow().loss(new LayerwiseOutputs(
        List.of(p.hidden(), p.hidden()),
        List.of(array(new float[] {9, 9}, 2, 1, 1, 1), array(new float[] {1, 3}, 2, 1, 1, 1)),
        array(new float[] {0, 1}, 2, 1, 1, 1), manager.create(new float[] {1, 2}), vit),
        new ParameterStore(manager, false));
    // ((1-0)² + (3-1)²) / 2
    assertThat((double) v.total().getFloat()).isCloseTo(2.5, within(1e-6));
    assertThat(v.terms()).containsOnlyKeys("simple");
  }

  @Test
  void anyParameterIsUnknown() {
    assertThatThrownBy(() -> create(new NoExitStrategyFactory(), "threshold=0.5", TinySpecs.vit(2)))
        .hasMessage("exit strategy 'none': unknown parameter 'threshold'; known: []");
  }
}
