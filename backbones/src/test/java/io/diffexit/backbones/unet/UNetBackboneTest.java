package io.diffexit.backbones.unet;

import static io.diffexit.backbones.unet.UNetFixtures.images;
import static io.diffexit.backbones.unet.UNetFixtures.store;
import static io.diffexit.backbones.unet.UNetFixtures.times;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.diffexit.api.BackboneContext;
import io.diffexit.api.BackboneFactory;
import io.diffexit.api.BackboneSpec;
import io.diffexit.api.DiffexitPlugin;
import io.diffexit.api.ExitPointSpec;
import io.diffexit.api.HiddenLayout;
import io.diffexit.api.Params;
import io.diffexit.api.Pass;
import io.diffexit.backbones.BuiltinBackbonesPlugin;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class UNetBackboneTest {

  @Test
  void defaultConfigExitsAtMidThenEveryDecoderLevel() {
    try (NDManager m = NDManager.newBaseManager();
        UNetBackbone b = new UNetBackbone(UNetConfig.defaults(), m, 1)) {
      BackboneSpec spec = b.spec();
      assertThat(spec.name()).isEqualTo("unet");
      assertThat(spec.exitPoints()).extracting(ExitPointSpec::name).containsExactly("mid", "up7", "up14", "up28");
      assertThat(spec.exitPoints()).extracting(ExitPointSpec::layer).containsExactly(4, 5, 6, 7);
      assertThat(spec.exitPoints()).extracting(ExitPointSpec::index).containsExactly(0, 1, 2, 3);
      assertThat(spec.exitPoints())
          .extracting(ExitPointSpec::hiddenShape)
          .containsExactly(new Shape(64, 7, 7), new Shape(64, 7, 7), new Shape(64, 14, 14), new Shape(32, 28, 28));
      assertThat(spec.exitPoints())
          .extracting(ExitPointSpec::layout)
          .containsExactly(
              HiddenLayout.featureMap(4, 7, 7, 64),
              HiddenLayout.featureMap(4, 7, 7, 64),
              HiddenLayout.featureMap(2, 14, 14, 64),
              HiddenLayout.featureMap(1, 28, 28, 32));
      assertThat(spec.config()).isEqualTo(UNetConfig.defaults().toParams());
    }
  }

  @Test
  void advanceAndHeadGiveTheDocumentedShapesAtEveryExitPoint() {
    try (NDManager m = NDManager.newBaseManager();
        UNetBackbone b = new UNetBackbone(UNetConfig.defaults(), m, 1)) {
      Pass pass = b.begin(store(m), images(m, b.config(), 2, 3), times(m, 10f, 900f), false);
      assertThat(pass.exitPoints()).isEqualTo(4);
      assertThat(pass.position()).isEqualTo(-1);
      for (ExitPointSpec e : b.spec().exitPoints()) {
        NDArray hidden = pass.advance();
        assertThat(pass.position()).isEqualTo(e.index());
        assertThat(hidden.getShape()).isEqualTo(new Shape(2).addAll(e.hiddenShape()));
        assertThat(pass.head().getShape()).isEqualTo(new Shape(2, 1, 28, 28));
        assertThat(hidden.getManager()).isSameAs(m);
        assertThat(pass.head().getManager()).isSameAs(m);
      }
    }
  }

  @Test
  void oddSizesAreUpsampledToTheSkipResolution() {
    UNetConfig c = UNetConfig.fromParams(UNetFixtures.oddParams());
    try (NDManager m = NDManager.newBaseManager();
        UNetBackbone b = new UNetBackbone(c, m, 1)) {
      assertThat(b.spec().exitPoints()).extracting(ExitPointSpec::name).containsExactly("mid", "up3", "up5", "up10");
      assertThat(b.spec().exitPoints().get(1).layout()).isEqualTo(HiddenLayout.featureMap(4, 3, 3, 8));
      Pass pass = b.begin(store(m), images(m, c, 3, 3), times(m, 1f, 2f, 3f), false);
      for (ExitPointSpec e : b.spec().exitPoints()) {
        assertThat(pass.advance().getShape()).isEqualTo(new Shape(3).addAll(e.hiddenShape()));
        assertThat(pass.head().getShape()).isEqualTo(new Shape(3, 2, 10, 10));
      }
    }
  }

  @Test
  void headReturnsTheSameArrayOnRepeatedCalls() {
    try (NDManager m = NDManager.newBaseManager();
        UNetBackbone b = new UNetBackbone(UNetConfig.fromParams(UNetFixtures.tinyParams()), m, 1)) {
      Pass pass = b.begin(store(m), images(m, b.config(), 2, 3), times(m, 1f, 2f), false);
      pass.advance();
      assertThat(pass.head()).isSameAs(pass.head());
    }
  }

  @Test
  void blockForwardEqualsTheLastExitHead() {
    try (NDManager m = NDManager.newBaseManager();
        UNetBackbone b = new UNetBackbone(UNetConfig.fromParams(UNetFixtures.tinyParams()), m, 1)) {
      UNetFixtures.randomize(b, 5);
      NDArray x = images(m, b.config(), 2, 3);
      NDArray t = times(m, 5f, 500f);
      List<float[]> heads = UNetFixtures.allHeads(b, m, x, t);
      NDList out = b.block().forward(store(m), new NDList(x, t), false);
      assertThat(out.singletonOrThrow().toFloatArray()).containsExactly(heads.get(heads.size() - 1));
    }
  }

  @Test
  void advancingPastTheLastExitPointFailsWithAClearMessage() {
    try (NDManager m = NDManager.newBaseManager();
        UNetBackbone b = new UNetBackbone(UNetConfig.fromParams(UNetFixtures.tinyParams()), m, 1)) {
      Pass pass = b.begin(store(m), images(m, b.config(), 1, 3), times(m, 1f), false);
      assertThatThrownBy(pass::head).isInstanceOf(IllegalStateException.class).hasMessageContaining("advance() first");
      for (int i = 0; i < pass.exitPoints(); i++) {
        pass.advance();
      }
      assertThatThrownBy(pass::advance)
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("backbone 'unet': the pass already stands at its last exit point (3); begin a new pass");
    }
  }

  @Test
  void beginRefusesInputsOfTheWrongShapeOrType() {
    try (NDManager m = NDManager.newBaseManager();
        UNetBackbone b = new UNetBackbone(UNetConfig.fromParams(UNetFixtures.tinyParams()), m, 1)) {
      assertThatThrownBy(() -> b.begin(store(m), m.zeros(new Shape(2, 3, 8, 8)), times(m, 1f, 2f), false))
          .hasMessage("backbone 'unet': x must have shape (B, 1, 8, 8), got (2, 3, 8, 8)");
      assertThatThrownBy(() -> b.begin(store(m), m.zeros(new Shape(2, 1, 8, 8)), times(m, 1f), false))
          .hasMessage("backbone 'unet': t must have shape (2) like x's batch, got (1)");
      assertThatThrownBy(() -> b.begin(store(m), m.zeros(new Shape(1, 1, 8, 8)), m.create(new int[] {3}), false))
          .hasMessage("backbone 'unet': x and t must be float32, got float32 and int32");
    }
  }

  @Test
  void factoryIsRegisteredThroughTheServiceLoader() {
    List<BackboneFactory> factories =
        ServiceLoader.load(DiffexitPlugin.class).stream()
            .flatMap(p -> p.get().backbones().stream())
            .filter(f -> f.name().equals("unet"))
            .toList();
    assertThat(factories).hasSize(1);
    assertThat(new BuiltinBackbonesPlugin().backbones()).extracting(BackboneFactory::name).contains("unet");
    try (NDManager m = NDManager.newBaseManager();
        var b = factories.get(0).create(UNetFixtures.tinyParams(), new BackboneContext(m, 7))) {
      assertThat(b.spec().config()).isEqualTo(UNetFixtures.tinyParams().withAll(b.spec().config()));
      assertThat(UNetConfig.fromParams(b.spec().config()))
          .isEqualTo(UNetConfig.fromParams(UNetFixtures.tinyParams()));
    }
    assertThat(factories.get(0).params()).extracting(p -> p.name()).contains("base", "mult", "res-blocks");
  }
}
