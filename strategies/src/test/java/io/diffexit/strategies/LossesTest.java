package io.diffexit.strategies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import io.diffexit.api.LayerwiseOutputs;
import java.util.List;
import org.junit.jupiter.api.Test;

class LossesTest extends NdTestBase {

  private LayerwiseOutputs outputs(NDArray weights) {
    // two heads, batch 2, one channel of 1×2 pixels; noise 0, so each error is the head's own value
    NDArray h0 = array(new float[] {1, 3, 2, 2}, 2, 1, 1, 2);
    NDArray h1 = array(new float[] {0, 2, 4, 0}, 2, 1, 1, 2);
    return new LayerwiseOutputs(List.of(h0, h1), List.of(h0, h1), manager.zeros(h0.getShape()),
        manager.create(new float[] {5, 900}), io.diffexit.testkit.TinySpecs.vit(2), weights);
  }

  @Test
  void layerwiseWithoutWeightsIsTheMeanSquareOfEveryHead() {
    // head 0: (1 + 9 + 4 + 4) / 4 = 4.5; head 1: (0 + 4 + 16 + 0) / 4 = 5
    assertThat(Losses.layerwise(outputs(null)).toFloatArray()).containsExactly(4.5f, 5f);
  }

  @Test
  void layerwiseWeightsEachSamplesMeanSquareThenAveragesTheBatch() {
    // head 0: sample means 5 and 4 → (0.5·5 + 2·4) / 2 = 5.25; head 1: 2 and 8 → (0.5·2 + 2·8) / 2 = 8.5
    float[] got = Losses.layerwise(outputs(manager.create(new float[] {0.5f, 2f}))).toFloatArray();
    assertThat((double) got[0]).isCloseTo(5.25, within(1e-6));
    assertThat((double) got[1]).isCloseTo(8.5, within(1e-6));
  }

  @Test
  void unitWeightsGiveTheUnweightedValue() {
    assertThat(Losses.layerwise(outputs(manager.ones(new ai.djl.ndarray.types.Shape(2)))).toFloatArray())
        .containsExactly(4.5f, 5f);
  }
}
