package io.diffexit.backbones.unet;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import org.junit.jupiter.api.Test;

class ConvTest {

  @Test
  void theTrainingPathEqualsTheNativeConvolutionForStrideOneAndTwo() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray x = m.randomNormal(new Shape(2, 3, 7, 5));
      NDArray w = m.randomNormal(new Shape(4, 3, 3, 3));
      NDArray b = m.randomNormal(new Shape(4));
      for (int stride : new int[] {1, 2}) {
        NDArray expected = Conv2d.conv2d(x, w, b, new Shape(stride, stride), new Shape(1, 1)).head();
        NDArray actual = Conv.viaPointwise(x, w, b, 3, stride);
        assertThat(actual.getShape()).isEqualTo(expected.getShape());
        assertThat(actual.sub(expected).abs().max().getFloat()).as("stride %d", stride).isLessThan(1e-4f);
      }
      assertThat(Conv.viaPointwise(x, w, b, 3, 2).getShape()).isEqualTo(new Shape(2, 4, 4, 3));
    }
  }
}
