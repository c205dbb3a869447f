package io.diffexit.backbones.uvit;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import io.diffexit.api.BackboneSpec;
import io.diffexit.api.Params;
import org.junit.jupiter.api.Test;

class UVitCostModelTest {

  @Test
  void tinyConfigMacsMatchHandCounts() {
    // C=2, H=8, W=12, p=2 -> N = 4*6 = 24 patch tokens, T = 25; D = 16, M = 64, 2 heads of width 8.
    UVitConfig c = UVitConfig.from(TinyUVit.PARAMS);
    long embed = 24L * 16 * (2 * 2 * 2); // each output (token, channel) sums over C*p*p inputs
    long qkv = 25L * 16 * 48;
    long proj = 25L * 16 * 16;
    long mlp = 25L * 16 * 64 + 25L * 64 * 16;
    long qk = 2L * 25 * 25 * 8; // heads * T * T * head_dim
    long av = 2L * 25 * 25 * 8;
    long block = qkv + proj + mlp + qk + av;
    long skip = 25L * 32 * 16;
    long head = 24L * 16 * 8 + 8L * 12 * 2 * 2 * 9; // decoder on patch tokens + 3x3 conv (out pixels * C_in * 9)

    assertThat(block).isEqualTo(96_800L);
    assertThat(UVitCostModel.embedMacs(c)).isEqualTo(embed).isEqualTo(3_072L);
    assertThat(UVitCostModel.blockMacs(c)).isEqualTo(block);
    assertThat(UVitCostModel.skipMacs(c)).isEqualTo(skip).isEqualTo(12_800L);
    assertThat(UVitCostModel.headMacs(c)).isEqualTo(head).isEqualTo(6_528L);
    for (int i = 0; i < 5; i++) {
      assertThat(UVitCostModel.segmentMacs(c, i)).as("segment %d", i).isEqualTo(i >= 3 ? block + skip : block);
    }
    assertThat(UVitCostModel.fullMacs(c)).isEqualTo(embed + 5 * block + 2 * skip + head).isEqualTo(519_200L);
  }

  @Test
  void headWithoutConvCountsOnlyTheDecoder() {
    UVitConfig c = UVitConfig.from(TinyUVit.PARAMS.with("conv-head", false));
    assertThat(UVitCostModel.headMacs(c)).isEqualTo(24L * 16 * 8);
  }

  @Test
  void cifarUVitSmallIsAbout12Point20GigaMacs() {
    // U-ViT-S/2 on CIFAR-10: 32x32x3, patch 2, D 512, 13 blocks, 8 heads (method.md 2.6: 12.20 GMACs incl. attention).
    UVitConfig c = UVitConfig.from(Params.parse("channels=3,height=32,width=32,patch=2,dim=512,depth=13,heads=8"));
    long t = 257;
    long d = 512;
    long perBlock = 12 * t * d * d + 2 * t * t * d;
    long expected = 256 * d * 12 + 13 * perBlock + 6 * 2 * t * d * d + 256 * d * 12 + 9L * 3 * 3 * 32 * 32;
    assertThat(UVitCostModel.fullMacs(c)).isEqualTo(expected).isEqualTo(12_200_802_304L);
    long withoutAttentionMatmuls = UVitCostModel.fullMacs(c) - 13 * 2 * t * t * d;
    assertThat(withoutAttentionMatmuls / 1e9).isBetween(11.32, 11.33);
  }

  @Test
  void specMacsMatchTheShapesOfTheActualParameters() {
    try (NDManager m = NDManager.newBaseManager();
        UVitBackbone backbone = TinyUVit.create(m, 1)) {
      BackboneSpec spec = backbone.spec();
      UVitConfig c = backbone.config();
      long tokens = c.tokens();
      // children in order: patch_embed, the 5 blocks, head
      var children = backbone.block().getChildren();
      assertThat(children.size()).isEqualTo(7);
      assertThat(spec.embedMacs()).isEqualTo(weightMacs(children.get(0).getValue(), c.patchTokens()));
      for (int i = 0; i < 5; i++) {
        long attention = 2L * c.heads() * tokens * tokens * c.headDim();
        long expected = weightMacs(children.get(i + 1).getValue(), tokens) + attention;
        assertThat(spec.exitPoints().get(i).segmentMacs()).as("segment %d", i).isEqualTo(expected);
      }
      Block head = children.get(6).getValue();
      long decoder = 0;
      long conv = 0;
      for (Pair<String, Parameter> p : head.getParameters()) {
        Shape s = p.getValue().getArray().getShape();
        if (s.dimension() == 2) {
          decoder += c.patchTokens() * s.size();
        } else if (s.dimension() == 4) {
          conv += (long) c.height() * c.width() * s.size();
        }
      }
      assertThat(spec.exitPoints().get(0).headMacs()).isEqualTo(decoder + conv);
      assertThat(spec.fullMacs()).isEqualTo(UVitCostModel.fullMacs(c));
    }
  }

  /** MACs of every 2-D (linear) or 4-D (patch conv) weight in a block applied to {@code positions} outputs. */
  private static long weightMacs(Block block, long positions) {
    long macs = 0;
    for (Pair<String, Parameter> p : block.getParameters()) {
      Shape s = p.getValue().getArray().getShape();
      if (s.dimension() == 2 || s.dimension() == 4) {
        macs += positions * s.size();
      }
    }
    return macs;
  }
}
