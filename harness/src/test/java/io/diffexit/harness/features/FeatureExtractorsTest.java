package io.diffexit.harness.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.diffexit.api.DiffexitPlugin;
import io.diffexit.api.FeatureExtractor;
import io.diffexit.api.FeatureExtractorFactory;
import io.diffexit.harness.UserError;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.ServiceLoader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeatureExtractorsTest {

  static NDManager manager;

  @TempDir Path dir;

  @BeforeAll
  static void start() {
    manager = NDManager.newBaseManager();
  }

  @AfterAll
  static void stop() {
    manager.close();
  }

  @Test
  void pluginIsFoundByServiceLoaderAndOffersThreeExtractors() {
    List<String> names = new ArrayList<>();
    for (DiffexitPlugin p : ServiceLoader.load(DiffexitPlugin.class)) {
      if (p instanceof BuiltinFeatureExtractorsPlugin) {
        p.featureExtractors().forEach(f -> names.add(f.name()));
      }
    }
    assertThat(names).containsExactly("fmnist-net", "inception", "pixels");
    for (FeatureExtractorFactory f : new BuiltinFeatureExtractorsPlugin().featureExtractors()) {
      assertThat(f.name()).matches(FeatureExtractorFactory.NAME_PATTERN);
    }
  }

  @Test
  void unknownExtractorNamesTheKnownOnes() {
    assertThatThrownBy(() -> FeatureExtractors.create("vgg", manager, dir))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Unknown feature extractor 'vgg'; known: [fmnist-net, inception, pixels]");
  }

  @Test
  void committedFmnistNetMatchesItsModelCard() throws IOException {
    Path home = FeatureExtractors.home();
    Path weights = home.resolve("models/fmnist-net/fmnist-net.params");
    JsonNode card = new ObjectMapper().readTree(home.resolve("models/fmnist-net/model-card.json").toFile());
    assertThat(Files.size(weights)).isLessThan(2_000_000L);
    assertThat(card.get("sha256").asText()).isEqualTo(Checksums.sha256(weights));
    assertThat(card.get("testAccuracy").asDouble()).isGreaterThan(0.85);
    assertThat(card.get("command").asText()).startsWith("diffexit train-features");
    assertThat(card.has("seed") && card.has("epochs") && card.has("wallTimeSeconds")).isTrue();
    try (FeatureExtractor fx = FeatureExtractors.create("fmnist-net", manager, home)) {
      assertThat(fx.id()).isEqualTo("fmnist-net/penultimate-128");
      assertThat(fx.checksum()).isEqualTo(card.get("checksum").asText()).hasSize(12);
      assertThat(fx.dimension()).isEqualTo(128);
    }
  }

  @Test
  void fmnistNetTakesGreyOrRgbAndRefusesOtherSizes() {
    try (FeatureExtractor fx = FeatureExtractors.create("fmnist-net", manager, FeatureExtractors.home());
        NDManager m = manager.newSubManager()) {
      NDArray grey = m.randomUniform(0, 1, new Shape(3, 1, 28, 28));
      NDArray f = fx.features(grey);
      assertThat(f.getShape()).isEqualTo(new Shape(3, 128));
      NDArray rgb = grey.repeat(1, 3);
      assertThat(fx.features(rgb).sub(f).abs().max().getFloat()).isLessThan(1e-4f);
      assertThatThrownBy(() -> fx.features(m.zeros(new Shape(2, 1, 32, 32))))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("feature extractor 'fmnist-net' takes (B, 1 or 3, 28, 28) images, got (2, 1, 32, 32); resize "
              + "the images to 28x28 or use another extractor (e.g. inception)");
    }
  }

  @Test
  void missingFmnistNetWeightsSayHowToMakeThem() {
    Path w = dir.resolve("none.params");
    assertThatThrownBy(() -> FeatureExtractors.create("fmnist-net:weights=" + w, manager, dir))
        .isInstanceOf(UserError.class)
        .hasMessage("feature extractor 'fmnist-net': weights file " + w + " not found; run `diffexit train-features` "
            + "or pass fmnist-net:weights=FILE (or set the diffexit home with -Ddiffexit.home)");
  }

  @Test
  void unknownParameterIsRefused() {
    assertThatThrownBy(() -> FeatureExtractors.create("fmnist-net:weigths=x", manager, dir))
        .hasMessage("feature extractor 'fmnist-net': unknown parameter 'weigths'; known: [weights]");
  }

  @Test
  void inceptionWithoutItsFileFailsClearlyAndNeverDownloads() {
    Path pt = dir.resolve("pt_inception.pt");
    assertThatThrownBy(() -> FeatureExtractors.create("inception:path=" + pt, manager, dir))
        .isInstanceOf(UserError.class)
        .hasMessage("feature extractor 'inception': TorchScript file " + pt + " not found; export pytorch-fid's "
            + "InceptionV3 with torch.jit.trace and pass inception:path=FILE.pt (nothing is downloaded)");
    assertThatThrownBy(() -> FeatureExtractors.create("inception", manager, dir))
        .hasMessage("feature extractor 'inception': parameter 'path' is required");
  }

  @Test
  void inceptionWithAnInvalidFileFailsClearly() throws IOException {
    Path pt = dir.resolve("garbage.pt");
    Files.writeString(pt, "not a torchscript archive");
    assertThatThrownBy(() -> FeatureExtractors.create("inception:path=" + pt, manager, dir))
        .isInstanceOf(UserError.class)
        .hasMessageStartingWith("feature extractor 'inception': " + pt + " is not a loadable TorchScript file (")
        .hasMessageEndingWith("); save the model with torch.jit.save")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
  }

  @Test
  void inceptionPreprocessingIsPytorchFidsBilinearResizeToMinusOneOne() {
    int h = 5;
    int w = 7;
    Random r = new Random(4);
    float[] px = new float[h * w];
    for (int i = 0; i < px.length; i++) {
      px[i] = r.nextFloat();
    }
    px[0] = 0;
    px[px.length - 1] = 1;
    try (NDManager m = manager.newSubManager()) {
      NDArray out = InceptionPreprocessing.apply(m.create(px, new Shape(1, 1, h, w)));
      assertThat(out.getShape()).isEqualTo(new Shape(1, 3, 299, 299));
      float[] got = out.toFloatArray();
      int plane = 299 * 299;
      double maxErr = 0;
      for (int y = 0; y < 299; y++) {
        for (int x = 0; x < 299; x++) {
          double expected = 2 * bilinear(px, h, w, y, x) - 1;
          for (int c = 0; c < 3; c++) {
            maxErr = Math.max(maxErr, Math.abs(got[c * plane + y * 299 + x] - expected));
          }
        }
      }
      assertThat(maxErr).isLessThan(1e-5);
      assertThat(got[0]).isCloseTo(-1f, within(1e-6f)); // corner pixel 0 stays 0 → −1
      assertThat(got[plane - 1]).isCloseTo(1f, within(1e-6f));
    }
  }

  /** torch's bilinear interpolation with align_corners=False: src = (dst + 0.5)·in/out − 0.5, clamped at 0. */
  static double bilinear(float[] px, int h, int w, int oy, int ox) {
    double sy = Math.max(0, (oy + 0.5) * h / 299.0 - 0.5);
    double sx = Math.max(0, (ox + 0.5) * w / 299.0 - 0.5);
    int y0 = (int) sy;
    int x0 = (int) sx;
    int y1 = Math.min(y0 + 1, h - 1);
    int x1 = Math.min(x0 + 1, w - 1);
    double ly = sy - y0;
    double lx = sx - x0;
    return (1 - ly) * ((1 - lx) * px[y0 * w + x0] + lx * px[y0 * w + x1])
        + ly * ((1 - lx) * px[y1 * w + x0] + lx * px[y1 * w + x1]);
  }

  @Test
  void pixelsAreFlattenedAndTheirSizeIsChecked() {
    try (FeatureExtractor fx = FeatureExtractors.create("pixels:size=4", manager, dir);
        NDManager m = manager.newSubManager()) {
      NDArray f = fx.features(m.create(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, new Shape(2, 1, 2, 2)));
      assertThat(f.getShape()).isEqualTo(new Shape(2, 4));
      assertThat(f.toFloatArray()).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
      assertThatThrownBy(() -> fx.features(m.zeros(new Shape(2, 1, 3, 3))))
          .hasMessage("feature extractor 'pixels' expects images of 4 values each (parameter size), got shape "
              + "(2, 1, 3, 3); pass pixels:size=9");
    }
  }
}
