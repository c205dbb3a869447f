package io.diffexit.backbones.unet;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import io.diffexit.api.BackboneSpec;
import io.diffexit.api.ExitPointSpec;
import org.junit.jupiter.api.Test;

/**
 * Hand counts for the tiny configuration (8×8×1 image, base 4, mult 1;2, one residual block per level, attention with
 * two heads at the 4×4 level). Channels: level 0 has 4, level 1 has 8. Pending skips after the encoder, bottom of the
 * stack first: conv_in 4, enc0.res0 4, enc0.down 4, enc1.res0 8.
 */
class UNetCostModelTest {

  /** out_numel × C_in × k² */
  private static long conv(long outH, long outW, long cOut, long cIn, long k) {
    return outH * outW * cOut * cIn * k * k;
  }

  @Test
  void macsMatchHandCountsForTheTinyConfig() {
    // time: sinusoid(4) -> 4x16 -> 16x16 -> fused projection 16 x (sum of the 8 residual blocks' output channels)
    long blockOutputs = 4 + 8 + 8 + 8 + 8 + 8 + 4 + 4; // enc0, enc1, mid x2, dec1 x2, dec0 x2
    long time = 4 * 16 + 16 * 16 + 16 * blockOutputs;
    long convIn = conv(8, 8, 4, 1, 3);
    long embed = time + convIn;
    assertThat(blockOutputs).isEqualTo(52);
    assertThat(embed).isEqualTo(64 + 256 + 832 + 2304);

    // attention at 4x4 over 8 channels: qkv 1x1 (N·3C·C), proj 1x1 (N·C·C), QK^T and AV (N·N·C each)
    long n = 16;
    long attention = n * 24 * 8 + n * 8 * 8 + 2 * n * n * 8;
    assertThat(attention).isEqualTo(8192);

    long enc0 = conv(8, 8, 4, 4, 3) * 2; // res 4->4 at 8x8: two 3x3 convs, no shortcut
    long down0 = conv(4, 4, 4, 4, 3); // stride 2: 8x8 -> 4x4
    long enc1 = conv(4, 4, 8, 4, 3) + conv(4, 4, 8, 8, 3) + conv(4, 4, 8, 4, 1) + attention; // res 4->8 + shortcut
    long mid = 2 * (conv(4, 4, 8, 8, 3) * 2) + attention;
    long segmentMid = enc0 + down0 + enc1 + mid;

    // decoder level 1 (4x4): inputs 8+8 (enc1.res0) and 8+4 (enc0.down), each followed by attention
    long dec1 =
        conv(4, 4, 8, 16, 3) + conv(4, 4, 8, 8, 3) + conv(4, 4, 8, 16, 1) + attention
            + conv(4, 4, 8, 12, 3) + conv(4, 4, 8, 8, 3) + conv(4, 4, 8, 12, 1) + attention;
    // decoder level 0 (8x8): upsample conv 8->8, then inputs 8+4 (enc0.res0) and 4+4 (conv_in)
    long dec0 =
        conv(8, 8, 8, 8, 3)
            + conv(8, 8, 4, 12, 3) + conv(8, 8, 4, 4, 3) + conv(8, 8, 4, 12, 1)
            + conv(8, 8, 4, 8, 3) + conv(8, 8, 4, 4, 3) + conv(8, 8, 4, 8, 1);

    long headMid = conv(4, 4, 1, 8, 3);
    long headUp4 = conv(4, 4, 1, 8, 3);
    long headUp8 = conv(8, 8, 1, 4, 3);

    try (NDManager m = NDManager.newBaseManager();
        UNetBackbone b = new UNetBackbone(UNetConfig.fromParams(UNetFixtures.tinyParams()), m, 1)) {
      BackboneSpec spec = b.spec();
      assertThat(spec.embedMacs()).isEqualTo(embed);
      assertThat(spec.exitPoints()).extracting(ExitPointSpec::name).containsExactly("mid", "up4", "up8");
      assertThat(spec.exitPoints()).extracting(ExitPointSpec::layer).containsExactly(3, 4, 5);
      assertThat(spec.exitPoints()).extracting(ExitPointSpec::segmentMacs).containsExactly(segmentMid, dec1, dec0);
      assertThat(spec.exitPoints()).extracting(ExitPointSpec::headMacs).containsExactly(headMid, headUp4, headUp8);
      assertThat(segmentMid).isEqualTo(88_320);
      assertThat(dec1).isEqualTo(70_656);
      assertThat(dec0).isEqualTo(106_496);
      assertThat(spec.fullMacs()).isEqualTo(embed + segmentMid + dec1 + dec0 + headUp8);
    }
  }

  @Test
  void attentionOffRemovesExactlyTheAttentionMacs() {
    try (NDManager m = NDManager.newBaseManager();
        UNetBackbone with = new UNetBackbone(UNetConfig.fromParams(UNetFixtures.tinyParams()), m, 1);
        UNetBackbone without =
            new UNetBackbone(UNetConfig.fromParams(UNetFixtures.tinyParams().with("attention", false)), m, 1)) {
      long attention = 8192;
      assertThat(with.spec().exitPoints().get(0).segmentMacs() - without.spec().exitPoints().get(0).segmentMacs())
          .isEqualTo(2 * attention); // enc1.attn0 and mid.attn
      assertThat(with.spec().exitPoints().get(1).segmentMacs() - without.spec().exitPoints().get(1).segmentMacs())
          .isEqualTo(2 * attention); // dec1.attn0 and dec1.attn1
      assertThat(with.spec().exitPoints().get(2).segmentMacs())
          .isEqualTo(without.spec().exitPoints().get(2).segmentMacs());
    }
  }

  /** weight + bias of a k×k convolution */
  private static long convParams(long in, long out, long k) {
    return out * in * k * k + out;
  }

  /** GroupNorm γ and β */
  private static long norm(long c) {
    return 2 * c;
  }

  private static long res(long in, long out) {
    return norm(in) + convParams(in, out, 3) + norm(out) + convParams(out, out, 3)
        + (in == out ? 0 : convParams(in, out, 1));
  }

  private static long attention(long c) {
    return norm(c) + convParams(c, 3 * c, 1) + convParams(c, c, 1);
  }

  private static long head(long c) {
    return norm(c) + convParams(c, 1, 3);
  }

  @Test
  void parameterCountIsTheRealNumberOfTrainableScalars() {
    long time = (4 * 16 + 16) + (16 * 16 + 16) + (16 * 52 + 52);
    long expected =
        time
            + convParams(1, 4, 3) // conv_in
            + res(4, 4) + convParams(4, 4, 3) // enc0 + down
            + res(4, 8) + attention(8) // enc1
            + res(8, 8) + attention(8) + res(8, 8) // mid
            + res(16, 8) + attention(8) + res(12, 8) + attention(8) // dec1
            + convParams(8, 8, 3) + res(12, 4) + res(8, 4) // dec0 with its upsampling conv
            + head(8) + head(8) + head(4);
    try (NDManager m = NDManager.newBaseManager();
        UNetBackbone b = new UNetBackbone(UNetConfig.fromParams(UNetFixtures.tinyParams()), m, 1)) {
      long counted = 0;
      for (Pair<String, Parameter> p : b.block().getParameters()) {
        counted += p.getValue().getArray().size();
      }
      assertThat(b.spec().parameterCount()).isEqualTo(expected).isEqualTo(counted);
    }
  }
}
