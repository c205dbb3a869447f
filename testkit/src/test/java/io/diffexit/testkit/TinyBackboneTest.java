package io.diffexit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.diffexit.api.BackboneSpec;
import io.diffexit.api.ExitPointSpec;
import io.diffexit.api.Pass;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class TinyBackboneTest {

  private NDManager manager;
  private TinyBackbone backbone;
  private ParameterStore store;

  @BeforeEach
  void open() {
    manager = NDManager.newBaseManager();
    backbone = new TinyBackbone(manager);
    store = new ParameterStore(manager, false);
  }

  @AfterEach
  void close() {
    backbone.close();
    manager.close();
  }

  private Pass begin(int[] keys) {
    NDArray x = TinySampling.noise(manager, backbone.spec(), keys, 1);
    return backbone.begin(store, x, manager.full(new Shape(keys.length), 500f), false);
  }

  @Test
  void costsAreCountedFromTheShapes() {
    BackboneSpec spec = backbone.spec();
    // N = 16 pixel tokens, D = 8: embedding 16·2·8, segments 16·8·8, heads 16·8
    assertThat(spec.embedMacs()).isEqualTo(256);
    assertThat(spec.exitPoints()).hasSize(5).allSatisfy(e -> {
      assertThat(e.segmentMacs()).isEqualTo(1024);
      assertThat(e.headMacs()).isEqualTo(128);
      assertThat(e.resumable()).isTrue();
    });
    // embedding (2·8 + 8), five layers (8·8 + 8), head (8 + 1)
    assertThat(spec.parameterCount()).isEqualTo(24 + 5 * 72 + 9);
    assertThat(spec.fullMacs()).isEqualTo(256 + 5 * 1024 + 128);
  }

  @Test
  void theSameSeedGivesTheSameWeightsAndAnotherSeedOthers() {
    try (TinyBackbone same = new TinyBackbone(manager); TinyBackbone other = new TinyBackbone(manager, 5, 8, 4, 8)) {
      Pass a = begin(new int[] {0, 1});
      NDArray x = TinySampling.noise(manager, backbone.spec(), new int[] {0, 1}, 1);
      NDArray t = manager.full(new Shape(2), 500f);
      Pass b = same.begin(store, x, t, false);
      Pass c = other.begin(store, x, t, false);
      float[] reference = a.advance().toFloatArray();
      assertThat(b.advance().toFloatArray()).containsExactly(reference);
      assertThat(c.advance().toFloatArray()).isNotEqualTo(reference);
    }
  }

  @Test
  void aResumedPassContinuesExactlyAsTheUninterruptedOne() {
    Pass full = begin(new int[] {0, 1, 2});
    NDArray at2 = null;
    for (int i = 0; i < 5; i++) {
      NDArray h = full.advance();
      if (i == 2) {
        at2 = h;
      }
    }
    Pass resumed = begin(new int[] {0, 1, 2});
    resumed.resume(2, at2);
    assertThat(resumed.position()).isEqualTo(2);
    resumed.advance();
    resumed.advance();
    assertThat(resumed.head().toFloatArray()).containsExactly(full.head().toFloatArray());
    assertThat(full.head(2, at2).getShape()).isEqualTo(new Shape(3, 1, 4, 4));
    NDArray cached = at2;
    assertThatThrownBy(() -> resumed.resume(1, cached)).isInstanceOf(IllegalStateException.class)
        .hasMessage("cannot resume at exit point 1 from position 4 of 5");
  }

  @Test
  void retainKeepsTheChosenRowsAndThePassInputUntilTheFirstExitPoint() {
    Pass pass = begin(new int[] {0, 1, 2});
    NDArray input = pass.input().orElseThrow();
    NDArray h0 = pass.advance();
    NDArray head0 = pass.head();
    assertThat(pass.head()).isSameAs(head0);
    NDArray keep = manager.create(new boolean[] {true, false, true});
    pass.retain(keep);
    assertThat(pass.active()).isEqualTo(2);
    assertThat(pass.input().orElseThrow().toFloatArray())
        .containsExactly(input.get(keep).toFloatArray());
    assertThat(pass.head().toFloatArray()).containsExactly(head0.get(keep).toFloatArray());
    pass.advance();
    assertThat(pass.input()).isEmpty();
    assertThat(h0.getShape()).isEqualTo(new Shape(3, 16, 8));
  }

  @Test
  void aSamplesHiddenStateDoesNotDependOnItsBatchMates() {
    NDArray alone = begin(new int[] {4}).advance();
    NDArray among = begin(new int[] {2, 4, 0}).advance();
    float[] a = alone.toFloatArray();
    float[] b = among.get("1").toFloatArray();
    for (int k = 0; k < a.length; k++) {
      assertThat(b[k]).isCloseTo(a[k], org.assertj.core.api.Assertions.within(1e-6f));
    }
  }

  @Test
  void advancingPastTheLastExitPointAndBadSizesFailWithAMessage() {
    Pass pass = begin(new int[] {0});
    for (int i = 0; i < 5; i++) {
      pass.advance();
    }
    assertThatThrownBy(pass::advance).hasMessage("pass already at the last exit point");
    assertThatThrownBy(() -> new TinyBackbone(manager, 0, 8, 4, 1))
        .hasMessage("a tiny backbone needs at least one exit point, width and side; got 0, 8, 4");
  }

  @Test
  void closeReleasesTheParameters() {
    int before = manager.getManagedArrays().size();
    TinyBackbone extra = new TinyBackbone(manager);
    assertThat(manager.getManagedArrays()).hasSize(before + 14);
    extra.close();
    assertThat(manager.getManagedArrays()).hasSize(before);
    ExitPointSpec first = extra.spec().exitPoints().get(0);
    assertThat(first.name()).isEqualTo("layer1");
  }
}
