package io.diffexit.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

class SinusoidalTimeEmbeddingTest {

  @Test
  void givesCosinesThenSinesOfTimeTimesTheGeometricFrequencies() {
    // width 4: half 2, frequencies exp(-ln(10000)·k/2) = 1 and 0.01
    try (NDManager m = NDManager.newBaseManager()) {
      float[] e = SinusoidalTimeEmbedding.embed(m.create(new float[] {0f, 3f}), 4).toFloatArray();
      double[] expected = {1, 1, 0, 0, Math.cos(3), Math.cos(0.03), Math.sin(3), Math.sin(0.03)};
      for (int i = 0; i < e.length; i++) {
        assertThat((double) e[i]).as("element %d", i).isCloseTo(expected[i], within(1e-6));
      }
    }
  }

  @Test
  void anOddWidthEndsInAZeroColumnAndTheMaxPeriodSetsTheSlowestFrequency() {
    // width 5, period 100: half 2, frequencies 1 and 0.1, then a zero column
    try (NDManager m = NDManager.newBaseManager()) {
      SinusoidalTimeEmbedding embedding = new SinusoidalTimeEmbedding(m, 5, 100);
      NDArray e = embedding.embed(m.create(new float[] {2f}));
      assertThat(e.getShape()).isEqualTo(new Shape(1, 5));
      double[] expected = {Math.cos(2), Math.cos(0.2), Math.sin(2), Math.sin(0.2), 0};
      float[] v = e.toFloatArray();
      for (int i = 0; i < v.length; i++) {
        assertThat((double) v[i]).as("element %d", i).isCloseTo(expected[i], within(1e-6));
      }
    }
  }

  @Test
  void theCachedAndTheOneOffFormAreBitIdenticalAndAcceptIntegerTimesAndEmptyBatches() {
    try (NDManager m = NDManager.newBaseManager()) {
      SinusoidalTimeEmbedding cached = new SinusoidalTimeEmbedding(m, 64);
      NDArray t = m.create(new float[] {0f, 1f, 17.25f, 999f});
      NDArray first = cached.embed(t);
      assertThat(first.getDataType()).isEqualTo(DataType.FLOAT32);
      assertThat(cached.embed(t).contentEquals(first)).isTrue();
      assertThat(SinusoidalTimeEmbedding.embed(t, 64).contentEquals(first)).isTrue();
      NDArray integers = m.create(new long[] {0, 1, 999});
      assertThat(cached.embed(integers).contentEquals(cached.embed(integers.toType(DataType.FLOAT32, false))))
          .isTrue();
      assertThat(cached.embed(m.zeros(new Shape(0))).getShape()).isEqualTo(new Shape(0, 64));
    }
  }

  @Test
  void refusesANarrowWidthABadPeriodAndTimesThatAreNotOnePerSample() {
    try (NDManager m = NDManager.newBaseManager()) {
      assertThatThrownBy(() -> new SinusoidalTimeEmbedding(m, 1))
          .hasMessage("sinusoidal time embedding: width must be at least 2, got 1");
      assertThatThrownBy(() -> new SinusoidalTimeEmbedding(m, 8, 1.0))
          .hasMessage("sinusoidal time embedding: max period must be finite and > 1, got 1.0");
      assertThatThrownBy(() -> SinusoidalTimeEmbedding.embed(m.zeros(new Shape(2, 1)), 8))
          .hasMessage("sinusoidal time embedding: time must have shape (B), got (2, 1)");
    }
  }
}
