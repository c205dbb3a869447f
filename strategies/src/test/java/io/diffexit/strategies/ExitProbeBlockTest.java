package io.diffexit.strategies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.Test;

class ExitProbeBlockTest extends NdTestBase {

  @Test
  void forwardAppliesOneAffineMapPerExitPointOverTheLastAxis() {
    ExitProbeBlock block = new ExitProbeBlock(new long[] {3, 2}, new long[] {2, 1}).initialize(manager);
    block.getParameters().get("probe0_weight").getArray().set(new float[] {1, 2, 3, 0, -1, 1});
    block.getParameters().get("probe0_bias").getArray().set(new float[] {0.5f, -0.5f});
    block.getParameters().get("probe1_weight").getArray().set(new float[] {2, -1});
    NDList out = block.forward(new ParameterStore(manager, false),
        new NDList(array(new float[] {1, 1, 1, 1, 0, 2}, 1, 2, 3), array(new float[] {4, 1}, 1, 2)), false);
    assertThat(out.get(0).getShape()).isEqualTo(new Shape(1, 2, 2));
    // [1,1,1]: 6.5, -0.5 ; [1,0,2]: 7.5, 1.5
    assertThat(out.get(0).toFloatArray()).containsExactly(6.5f, -0.5f, 7.5f, 1.5f);
    assertThat((double) out.get(1).getFloat()).isCloseTo(7, within(1e-6));
    assertThat(block.getOutputShapes(new Shape[] {new Shape(5, 4, 3), new Shape(5, 2)}))
        .containsExactly(new Shape(5, 4, 2), new Shape(5, 1));
  }

  @Test
  void mismatchedSizesAreRefused() {
    assertThatThrownBy(() -> new ExitProbeBlock(new long[] {3}, new long[] {2, 1}))
        .hasMessage("exit probes need one input and one output size per exit point, got 1 and 2");
  }
}
