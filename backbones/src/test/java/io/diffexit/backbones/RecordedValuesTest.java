package io.diffexit.backbones;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.diffexit.api.Backbone;
import io.diffexit.api.BackboneContext;
import io.diffexit.api.Params;
import io.diffexit.backbones.unet.UNetFactory;
import io.diffexit.backbones.uvit.UVitFactory;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Values recorded from the code before the U-Net's and U-ViT's layers were merged into {@code backbones.nn}: seeded
 * initial weights (drawn in Java, so they must match exactly) and the final ε prediction of the shipped checkpoints on
 * a fixed input (engine arithmetic, compared to 1e-5). A refactoring of the layers must keep both.
 */
class RecordedValuesTest {

  private static final Path CHECKPOINTS = Path.of("..", "checkpoints");
  private static NDManager root;

  @BeforeAll
  static void setUp() {
    root = NDManager.newBaseManager();
  }

  @AfterAll
  static void tearDown() {
    root.close();
  }

  private static Backbone unet(NDManager m, String config, long seed) {
    return new UNetFactory().create(Params.parse(config), new BackboneContext(m, seed));
  }

  private static Backbone uvit(NDManager m, String config, long seed) {
    return new UVitFactory().create(Params.parse(config), new BackboneContext(m, seed));
  }

  /** @return for each named parameter, in the block's order: name, shape, first three values and their Java sum */
  private static String fingerprint(Backbone b, String... names) {
    StringBuilder out = new StringBuilder();
    for (Pair<String, Parameter> p : b.block().getParameters()) {
      if (!List.of(names).contains(p.getKey())) {
        continue;
      }
      float[] v = p.getValue().getArray().toFloatArray();
      double sum = 0;
      for (float f : v) {
        sum += f;
      }
      out.append(p.getKey()).append(' ').append(p.getValue().getArray().getShape()).append(' ')
          .append(v[0]).append(' ').append(v[1]).append(' ').append(v[2]).append(" sum=").append(sum).append('\n');
    }
    return out.toString();
  }

  @Test
  void aSeededUNetStartsFromTheRecordedWeightsInTheRecordedOrder() {
    try (NDManager m = root.newSubManager();
        Backbone b = unet(m, "height=8,width=8,base=4,mult=1;2,res-blocks=1,attention=true,heads=2,groups=2", 7)) {
      var params = b.block().getParameters();
      assertThat(params.size()).isEqualTo(122);
      assertThat(params.get(0).getKey()).isEqualTo("time.fc1.weight");
      assertThat(params.get(121).getKey()).isEqualTo("head.up8.conv.bias");
      assertThat(fingerprint(b, "time.fc1.weight", "time.proj.weight", "input.weight", "enc0.res0.conv1.weight",
              "enc1.res0.shortcut.weight", "mid.attn.qkv.weight", "enc0.res0.norm1.gamma"))
          .isEqualTo("""
              time.fc1.weight (16, 4) -0.10749412 -0.5094767 -0.26970816 sum=2.7232412095181644
              time.proj.weight (52, 16) -0.2543965 -0.24923281 -0.27966955 sum=3.4503326115373056
              input.weight (4, 1, 3, 3) 0.1356842 -0.032655247 -0.0033405742 sum=0.39736603549681604
              enc0.res0.norm1.gamma (1, 4, 1, 1) 1.0 1.0 1.0 sum=4.0
              enc0.res0.conv1.weight (4, 4, 3, 3) -0.094197795 -0.03873184 -0.103441596 sum=-0.5156050876248628
              enc1.res0.shortcut.weight (8, 4, 1, 1) 0.7017312 -0.5130323 -0.079241894 sum=0.37733738869428635
              mid.attn.qkv.weight (24, 8, 1, 1) -0.18244042 0.06848103 0.19800343 sum=-0.26108314070734195
              """);
    }
  }

  @Test
  void aSeededUVitStartsFromTheRecordedWeightsInTheRecordedOrder() {
    try (NDManager m = root.newSubManager();
        Backbone b = uvit(m, "channels=2,height=8,width=12,patch=2,dim=16,depth=5,heads=2,mlp-ratio=4", 7)) {
      var params = b.block().getParameters();
      assertThat(params.size()).isEqualTo(68);
      assertThat(params.get(0).getKey()).isEqualTo("pos_embed");
      assertThat(params.get(67).getKey()).isEqualTo("07head_03final_layer_bias");
      assertThat(fingerprint(b, "pos_embed", "01patch_embed_weight", "01patch_embed_bias", "02in0_02qkv_weight",
              "06out1_06fc1_weight", "07head_03final_layer_weight", "02in0_05fc1_bias"))
          .isEqualTo("""
              pos_embed (1, 25, 16) 0.016904121 0.018257523 -0.005741573 sum=0.18878070757455134
              01patch_embed_weight (16, 2, 2, 2) 0.11178136 0.2081437 -0.024464978 sum=1.063169316854328
              01patch_embed_bias (16) -0.095989674 -0.25338116 0.34114856 sum=0.29984820634126663
              02in0_02qkv_weight (48, 16) 0.023906559 0.013615859 -0.031284016 sum=0.582213389196113
              02in0_05fc1_bias (64) 0.0 0.0 0.0 sum=0.0
              06out1_06fc1_weight (64, 16) -0.011726225 0.012431817 -0.022468591 sum=-0.30762117306221626
              07head_03final_layer_weight (2, 2, 3, 3) 0.11611145 -0.15492687 0.082008444 sum=0.5138656438793987
              """);
    }
  }

  private static NDArray image(NDManager m, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] v = new float[2 * 28 * 28];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (2 * r.nextDouble() - 1);
    }
    return m.create(v, new Shape(2, 1, 28, 28));
  }

  private static float[] shippedPrediction(String checkpoint, Backbone b, NDManager m) throws Exception {
    Path file = CHECKPOINTS.resolve(checkpoint).resolve("backbone-ema.params");
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
      b.block().loadParameters(m, in);
    }
    NDArray eps = b.block()
        .forward(new ParameterStore(m, false), new NDList(image(m, 3), m.create(new float[] {10f, 700f})), false)
        .head();
    float[] v = eps.toFloatArray();
    // seven fixed positions across both images, and the mean magnitude
    return new float[] {v[0], v[100], v[407], v[783], v[784], v[1000], v[1567], eps.abs().mean().getFloat()};
  }

  @Test
  void theShippedUNetGivesTheRecordedPrediction() throws Exception {
    try (NDManager m = root.newSubManager();
        Backbone b = unet(m, "base=16,mult=1;2;2,groups=8,res-blocks=1,attention=true,heads=1", 0)) {
      assertThat(shippedPrediction("unet-fmnist", b, m)).containsExactly(
          new float[] {-0.503741f, 1.1409346f, -0.05010874f, 2.7611244f, 0.40756032f, -0.64110255f, -0.5609898f, 0.8936543f},
          within(1e-5f));
    }
  }

  @Test
  void theShippedUVitGivesTheRecordedPrediction() throws Exception {
    try (NDManager m = root.newSubManager();
        Backbone b = uvit(m, "dim=64,depth=13,heads=4,patch=4,mlp-ratio=4,qkv-bias=false,conv-head=true", 0)) {
      assertThat(shippedPrediction("uvit-fmnist", b, m)).containsExactly(
          new float[] {-0.69734377f, 0.5266114f, 0.14256275f, 0.25061333f, 0.44692245f, -0.43057963f, -0.53723013f, 0.5431676f},
          within(1e-5f));
    }
  }
}
