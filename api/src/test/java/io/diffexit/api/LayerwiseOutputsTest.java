package io.diffexit.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class LayerwiseOutputsTest {

  /** Three token exit points on 1×4×4 images, as the test kit's tiny ViT (which depends on this module). */
  private static BackboneSpec threeExits() {
    HiddenLayout layout = HiddenLayout.tokens(1, 2, 2, 2, 3);
    List<ExitPointSpec> points = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      points.add(new ExitPointSpec(i, "b" + (i + 1), i + 1, new Shape(5, 3), layout, 1000, 50));
    }
    return new BackboneSpec("three", Params.empty(), 1, 4, 4, points, 10, 0);
  }

  @Test
  void everyExitByDefaultAndASampleWithTheExitPointOfEachHead() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray x = m.zeros(new Shape(1, 1, 4, 4));
      NDArray t = m.create(new float[] {1});
      LayerwiseOutputs all = new LayerwiseOutputs(List.of(x, x, x), List.of(x, x, x), x, t, threeExits());
      assertThat(all.exitIndices()).containsExactly(0, 1, 2);
      assertThat(all.sampled()).isFalse();
      LayerwiseOutputs some = new LayerwiseOutputs(List.of(x, x), List.of(x, x), x, t, threeExits(), null,
          List.of(1, 2));
      assertThat(some.exitIndex(0)).isEqualTo(1);
      assertThat(some.exitPoints()).isEqualTo(3);
      assertThat(some.sampled()).isTrue();
      assertThat(some.finalHead()).isSameAs(x);
    }
  }

  @Test
  void mismatchedListsAndIndicesThatSkipTheLastOrDoNotIncreaseAreRefused() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray x = m.zeros(new Shape(1, 1, 4, 4));
      NDArray t = m.create(new float[] {1});
      List<NDArray> two = Collections.nCopies(2, x);
      assertThatThrownBy(() -> new LayerwiseOutputs(two, two, x, t, threeExits()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("layer-wise outputs: exit indices [0, 1] must end with the last exit point, 2: the final head"
              + " is always trained");
      assertThatThrownBy(() -> new LayerwiseOutputs(two, two, x, t, threeExits(), null, List.of(2, 1)))
          .hasMessage("layer-wise outputs: exit indices [2, 1] must increase within [0, 2]");
      assertThatThrownBy(() -> new LayerwiseOutputs(two, List.of(x), x, t, threeExits(), null, List.of(2)))
          .hasMessage("layer-wise outputs: 2 hidden states, 1 heads and 1 exit indices; give one of each per exit"
              + " point used");
    }
  }
}
