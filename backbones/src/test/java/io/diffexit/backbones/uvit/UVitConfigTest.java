package io.diffexit.backbones.uvit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.diffexit.api.ParamSpec;
import io.diffexit.api.Params;
import org.junit.jupiter.api.Test;

class UVitConfigTest {

  private static void assertRejected(String params, String message) {
    assertThatThrownBy(() -> UVitConfig.from(Params.parse(params)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  @Test
  void defaultsAreTheFashionMnistReferenceShape() {
    UVitConfig c = UVitConfig.from(Params.empty());
    assertThat(c).isEqualTo(new UVitConfig(1, 28, 28, 4, 96, 13, 4, 4.0, false, true));
    assertThat(c.patchTokens()).isEqualTo(49);
    assertThat(c.tokens()).isEqualTo(50);
    assertThat(c.sideBlocks()).isEqualTo(6);
    assertThat(c.headDim()).isEqualTo(24);
    assertThat(c.mlpHidden()).isEqualTo(384);
    assertThat(new UVitFactory().params()).extracting(ParamSpec::name)
        .containsExactly("channels", "height", "width", "patch", "dim", "depth", "heads", "mlp-ratio", "qkv-bias",
            "conv-head", "head-channels", "prediction", "exit-heads", "exit-skip");
  }

  @Test
  void toParamsRoundTrips() {
    UVitConfig c = UVitConfig.from(Params.parse("dim=64,depth=7,heads=2,qkv-bias=true,mlp-ratio=2.5"));
    assertThat(UVitConfig.from(c.toParams())).isEqualTo(c);
    assertThat(c.mlpHidden()).isEqualTo(160);
  }

  @Test
  void evenOrTooSmallDepthIsRejected() {
    assertRejected("depth=12", "backbone 'uvit': parameter 'depth' must be odd and >= 3 ((depth-1)/2 in-blocks, 1 mid,"
        + " (depth-1)/2 out-blocks), got 12");
    assertRejected("depth=1", "backbone 'uvit': parameter 'depth' must be odd and >= 3 ((depth-1)/2 in-blocks, 1 mid,"
        + " (depth-1)/2 out-blocks), got 1");
  }

  @Test
  void widthNotDivisibleByHeadsIsRejected() {
    assertRejected("dim=90,heads=4",
        "backbone 'uvit': parameter 'dim' (90) must be divisible by 'heads' (4); e.g. dim=92");
  }

  @Test
  void imageNotDivisibleByPatchIsRejected() {
    assertRejected("patch=3", "backbone 'uvit': image 28x28 is not divisible into 3x3 patches;"
        + " choose a patch that divides both height and width");
  }

  @Test
  void unknownMalformedAndOutOfRangeParametersAreRejected() {
    assertRejected("dims=64", "backbone 'uvit': unknown parameter 'dims'; known: [channels, conv-head, depth, dim,"
        + " exit-heads, exit-skip, head-channels, heads, height, mlp-ratio, patch, prediction, qkv-bias, width]");
    assertRejected("dim=wide", "backbone 'uvit': parameter 'dim' must be an integer, got 'wide'");
    assertRejected("heads=0", "backbone 'uvit': parameter 'heads' must be in [1, 1024], got 0");
    assertRejected("mlp-ratio=0", "backbone 'uvit': parameter 'mlp-ratio' must be > 0 and give an MLP width"
        + " dim*ratio >= 1, got 0.0");
    assertRejected("conv-head=yes", "backbone 'uvit': parameter 'conv-head' must be true or false, got 'yes'");
  }
}
