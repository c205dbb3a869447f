package io.diffexit.backbones.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SeededInitializerTest {

  private static float[] draw(SeededInitializer init, NDManager m, int n) {
    return init.initialize(m, new Shape(n), DataType.FLOAT32).toFloatArray();
  }

  @Test
  void aNamedStreamDependsOnSeedAndNameOnlyAndStaysInsideTheXavierBound() {
    try (NDManager m = NDManager.newBaseManager()) {
      SeededInitializer a = SeededInitializer.named(SeededInitializer.Kind.XAVIER, 3, "enc0.conv.weight", 4, 2);
      float[] first = draw(a, m, 50);
      draw(SeededInitializer.named(SeededInitializer.Kind.XAVIER, 3, "other.weight", 4, 2), m, 50);
      assertThat(draw(a, m, 50)).containsExactly(first); // a second call, after another parameter, repeats it
      assertThat(draw(SeededInitializer.named(SeededInitializer.Kind.XAVIER, 4, "enc0.conv.weight", 4, 2), m, 50))
          .isNotEqualTo(first);
      double bound = Math.sqrt(6.0 / (4 + 2));
      for (float v : first) {
        assertThat(Math.abs(v)).isLessThanOrEqualTo((float) bound);
      }
      assertThat(draw(SeededInitializer.named(SeededInitializer.Kind.ONES, 3, "g", 0, 0), m, 3))
          .containsExactly(1f, 1f, 1f);
      assertThat(draw(SeededInitializer.named(SeededInitializer.Kind.ZEROS, 3, "b", 0, 0), m, 2))
          .containsExactly(0f, 0f);
    }
  }

  @Test
  void sharedStreamInitializersDrawInOrderFromTheirRandom() {
    try (NDManager m = NDManager.newBaseManager()) {
      Random random = new Random(9);
      float[] u = draw(SeededInitializer.torchDefaultUniform(4, random), m, 3);
      float[] n = draw(SeededInitializer.timmTruncatedNormal(0.02, random), m, 2);
      Random replay = new Random(9);
      for (float v : u) {
        assertThat(v).isEqualTo((float) ((replay.nextDouble() * 2.0 - 1.0) * 0.5));
      }
      for (float v : n) {
        assertThat(v).isEqualTo((float) (replay.nextGaussian() * 0.02));
      }
      // a tight truncation resamples until the value is inside
      for (float v : draw(SeededInitializer.truncatedNormal(1, -0.1, 0.1, new Random(2)), m, 200)) {
        assertThat(Math.abs(v)).isLessThanOrEqualTo(0.1f);
      }
    }
  }

  @Test
  void otherDataTypesAreConvertedFromTheFloatDraw() {
    try (NDManager m = NDManager.newBaseManager()) {
      var half = SeededInitializer.uniform(1, new Random(1)).initialize(m, new Shape(4), DataType.FLOAT16);
      assertThat(half.getDataType()).isEqualTo(DataType.FLOAT16);
      float[] v = draw(SeededInitializer.uniform(1, new Random(1)), m, 4);
      assertThat(half.toType(DataType.FLOAT32, false).sub(m.create(v)).abs().max().getFloat()).isLessThan(1e-3f);
    }
  }

  @Test
  void refusesBoundsThatDescribeNoDistribution() {
    Random r = new Random(0);
    assertThatThrownBy(() -> SeededInitializer.uniform(0, r))
        .hasMessage("uniform initializer: bound must be finite and > 0, got 0.0");
    assertThatThrownBy(() -> SeededInitializer.torchDefaultUniform(0, r))
        .hasMessage("uniform initializer: fan-in must be >= 1, got 0");
    assertThatThrownBy(() -> SeededInitializer.truncatedNormal(0.02, 0.5, 2, r))
        .hasMessage("truncated normal: need std > 0 and lower <= 0 <= upper, lower < upper; got std=0.02, [0.5, 2.0]");
    assertThatThrownBy(() -> SeededInitializer.named(SeededInitializer.Kind.XAVIER, 0, "w", 0, 0))
        .hasMessage("xavier initializer for 'w': fan-in + fan-out must be >= 1, got 0 + 0");
  }
}
