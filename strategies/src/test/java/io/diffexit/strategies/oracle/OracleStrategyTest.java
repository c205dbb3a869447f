package io.diffexit.strategies.oracle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import io.diffexit.api.BackboneSpec;
import io.diffexit.api.ExitStrategy;
import io.diffexit.api.HindsightExitStrategy;
import io.diffexit.strategies.NdTestBase;
import io.diffexit.testkit.FixtureExitPoint;
import io.diffexit.testkit.TinySpecs;
import java.util.List;
import org.junit.jupiter.api.Test;

class OracleStrategyTest extends NdTestBase {

  private final OracleStrategyFactory factory = new OracleStrategyFactory();

  @Test
  void choosesTheFirstHeadWithinRelativeDistanceDeltaOfTheFinalHead() {
    BackboneSpec vit = TinySpecs.vit(3);
    HindsightExitStrategy s = (HindsightExitStrategy) create(factory, "delta=0.05", vit);
    // final heads: sample 0 = [3, 4] (norm 5), sample 1 = [0, 10] (norm 10); shape (2, 1, 1, 2)
    NDArray last = array(new float[] {3, 4, 0, 10}, 2, 1, 1, 2);
    // exit 0: sample 0 off by 0.2 (4%, within), sample 1 off by 1 (10%)
    NDArray g0 = array(new float[] {3.2f, 4, 0, 11}, 2, 1, 1, 2);
    // exit 1: sample 0 off by 1 (20%), sample 1 off by 0.5 (5%, within: <= delta)
    NDArray g1 = array(new float[] {4, 4, 0, 10.5f}, 2, 1, 1, 2);
    FixtureExitPoint p = FixtureExitPoint.at(vit, 2, array(new float[2 * 5 * TinySpecs.D], 2, 5, TinySpecs.D));
    NDArray chosen = s.chooseExit(List.of(g0, g1, last), p);
    assertThat(chosen.getDataType()).isEqualTo(ai.djl.ndarray.types.DataType.INT32);
    assertThat(chosen.toIntArray()).containsExactly(0, 1);
    HindsightExitStrategy strict = (HindsightExitStrategy) create(factory, "delta=0", vit);
    assertThat(strict.chooseExit(List.of(g0, g1, last), p).toIntArray()).containsExactly(2, 2);
  }

  @Test
  void isLabelledAnUpperBoundAndRefusesOnlineDecisions() {
    BackboneSpec vit = TinySpecs.vit(3);
    ExitStrategy s = create(factory, "", vit);
    assertThat(s.isUpperBound()).isTrue();
    assertThat(s.describe()).contains("upper bound").contains("delta=0.05");
    FixtureExitPoint p = FixtureExitPoint.at(vit, 0, array(new float[5 * TinySpecs.D], 1, 5, TinySpecs.D));
    assertThatThrownBy(() -> s.decide(p)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("call chooseExit");
  }

  @Test
  void negativeDeltaIsRefused() {
    assertThatThrownBy(() -> create(factory, "delta=-0.1", TinySpecs.vit(3)))
        .hasMessage("exit strategy 'oracle': parameter 'delta' must be >= 0, got -0.1");
  }
}
