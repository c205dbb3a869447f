package io.diffexit.backbones.uvit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.diffexit.api.BackboneContext;
import io.diffexit.api.BackboneSpec;
import io.diffexit.api.ExitPointSpec;
import io.diffexit.api.HiddenLayout;
import io.diffexit.api.Pass;
import io.diffexit.backbones.BuiltinBackbonesPlugin;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class UVitBackboneTest {

  private static NDManager root;
  private static UVitBackbone backbone;
  private static ParameterStore store;

  @BeforeAll
  static void setUp() {
    root = NDManager.newBaseManager();
    backbone = TinyUVit.create(root, 42);
    store = new ParameterStore(root, false);
  }

  @AfterAll
  static void tearDown() {
    backbone.close();
    root.close();
  }

  @Test
  void specDescribesThirteenStyleExitPointsForTheTinyConfig() {
    BackboneSpec spec = backbone.spec();
    assertThat(spec.name()).isEqualTo("uvit");
    assertThat(spec.exitPoints()).extracting(ExitPointSpec::name)
        .containsExactly("in0", "in1", "mid", "out0", "out1");
    assertThat(spec.exitPoints()).extracting(ExitPointSpec::layer).containsExactly(1, 2, 3, 4, 5);
    assertThat(spec.exitPoints()).extracting(ExitPointSpec::index).containsExactly(0, 1, 2, 3, 4);
    for (ExitPointSpec e : spec.exitPoints()) {
      assertThat(e.hiddenShape()).isEqualTo(new Shape(25, 16));
      assertThat(e.layout()).isEqualTo(new HiddenLayout(HiddenLayout.Kind.TOKENS, 1, 2, 4, 6, 16));
    }
    assertThat(List.of(spec.channels(), spec.height(), spec.width())).containsExactly(2, 8, 12);
  }

  @Test
  void defaultConfigHasThirteenExitPointsNamedInMidOut() {
    try (NDManager m = root.newSubManager();
        UVitBackbone b = (UVitBackbone) new UVitFactory().create(io.diffexit.api.Params.empty(),
            new BackboneContext(m, 0))) {
      assertThat(b.spec().exitPoints()).extracting(ExitPointSpec::name)
          .containsExactly("in0", "in1", "in2", "in3", "in4", "in5", "mid",
              "out0", "out1", "out2", "out3", "out4", "out5");
      assertThat(b.spec().exitPoints().get(12).layer()).isEqualTo(13);
      assertThat(b.spec().exitPoints().get(0).layout())
          .isEqualTo(HiddenLayout.tokens(1, 4, 7, 7, 96));
      assertThat(b.spec().config().asMap()).containsEntry("dim", "96").containsEntry("patch", "4");
    }
  }

  @Test
  void parameterCountIsTheHandCountAndLayerNormsAreOverTheLastAxis() {
    long patchEmbed = 16 * 2 * 2 * 2 + 16;
    long posEmbed = 25 * 16;
    long block = 2 * 16 + 16 * 48 + (16 * 16 + 16) + 2 * 16 + (16 * 64 + 64) + (64 * 16 + 16);
    long skipLinear = 32 * 16 + 16;
    long head = 2 * 16 + (16 * 8 + 8) + (2 * 2 * 9 + 2);
    assertThat(backbone.spec().parameterCount())
        .isEqualTo(patchEmbed + posEmbed + 5 * block + 2 * skipLinear + head)
        .isEqualTo(17_966L);
    for (Pair<String, Parameter> p : backbone.block().getParameters()) {
      if (p.getKey().contains("norm")) {
        assertThat(p.getValue().getArray().getShape()).as(p.getKey()).isEqualTo(new Shape(16));
      }
    }
  }

  @Test
  void factoryIsRegisteredInThePluginAndItsConfigRebuildsTheSameArchitecture() {
    assertThat(new BuiltinBackbonesPlugin().backbones()).extracting(f -> f.name()).contains("uvit");
    try (NDManager m = root.newSubManager();
        var rebuilt = new UVitFactory().create(backbone.spec().config(), new BackboneContext(m, 42))) {
      assertThat(rebuilt.spec()).isEqualTo(backbone.spec());
    }
  }

  @Test
  void everyExitPointHasTheDeclaredHiddenAndHeadShapes() {
    try (NDManager m = root.newSubManager()) {
      Pass pass = backbone.begin(store, TinyUVit.images(m, 3, 0), m.create(new float[] {0, 10, 999}), false);
      assertThat(pass.exitPoints()).isEqualTo(5);
      assertThat(pass.position()).isEqualTo(-1);
      assertThat(pass.active()).isEqualTo(3);
      for (int i = 0; i < 5; i++) {
        NDArray h = pass.advance();
        assertThat(pass.position()).isEqualTo(i);
        assertThat(h.getShape()).isEqualTo(new Shape(3, 25, 16));
        NDArray eps = pass.head();
        assertThat(eps.getShape()).isEqualTo(new Shape(3, 2, 8, 12));
        assertThat(pass.head()).isSameAs(eps);
        assertThat(h.getManager()).isSameAs(m);
        assertThat(eps.getManager()).isSameAs(m);
      }
      assertThatThrownBy(pass::advance)
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("uvit pass: already at the last exit point (5 of 5); begin a new pass");
    }
  }

  @Test
  void passLeavesOnlyItsOutputsInTheCallersManager() {
    try (NDManager m = root.newSubManager()) {
      NDArray x = TinyUVit.images(m, 2, 0);
      NDArray t = m.create(new float[] {1, 2});
      int before = m.getManagedArrays().size();
      Pass pass = backbone.begin(store, x, t, false);
      for (int i = 0; i < 5; i++) {
        pass.advance();
        pass.head();
      }
      // embedding + 5 hidden states + 5 heads; no intermediates of attention or MLP
      assertThat(m.getManagedArrays().size() - before).isEqualTo(11);
    }
  }

  @Test
  void headBeforeAdvanceFails() {
    try (NDManager m = root.newSubManager()) {
      Pass pass = backbone.begin(store, TinyUVit.images(m, 1, 0), m.create(new float[] {3}), false);
      assertThatThrownBy(pass::head)
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("uvit pass: head() called before the first advance(); no exit point reached");
    }
  }

  @Test
  void passFinalHeadEqualsTheBlocksFullForward() {
    try (NDManager m = root.newSubManager()) {
      NDArray x = TinyUVit.images(m, 3, 1);
      NDArray t = m.create(new float[] {5, 500, 900});
      NDArray full = backbone.block().forward(store, new NDList(x, t), false).head();
      NDArray out = TinyUVit.advanceToOutput(backbone.begin(store, x, t, false));
      assertThat(out.allClose(full, 1e-6, 1e-6, false)).isTrue();
    }
  }

  @Test
  void timeInputChangesThePrediction() {
    try (NDManager m = root.newSubManager()) {
      NDArray x = TinyUVit.images(m, 1, 2);
      NDArray a = backbone.block().forward(store, new NDList(x, m.create(new float[] {10})), false).head();
      NDArray b = backbone.block().forward(store, new NDList(x, m.create(new float[] {700})), false).head();
      assertThat(a.sub(b).abs().max().getFloat()).isGreaterThan(1e-4f);
    }
  }

  /** Runs each sample alone and records the head at every exit point: heads[sample][exit]. */
  private static List<List<NDArray>> aloneHeads(NDManager m, NDArray x, NDArray t) {
    List<List<NDArray>> out = new ArrayList<>();
    for (int s = 0; s < x.getShape().get(0); s++) {
      Pass pass = backbone.begin(store, x.get(s).expandDims(0), t.get(s).expandDims(0), false);
      List<NDArray> heads = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        pass.advance();
        heads.add(pass.head().get(0));
      }
      out.add(heads);
    }
    return out;
  }

  @Test
  void retainKeepsOnlySelectedSamplesAndTheirSkipsSoHeadsEqualRunningEachSampleAlone() {
    try (NDManager m = root.newSubManager()) {
      NDArray x = TinyUVit.images(m, 5, 3);
      NDArray t = m.create(new float[] {0, 100, 250, 600, 999});
      List<List<NDArray>> alone = aloneHeads(m, x, t);

      Pass pass = backbone.begin(store, x, t, false);
      List<Integer> ids = new ArrayList<>(List.of(0, 1, 2, 3, 4));
      // drop sample 1 after in0 (before any skip is popped), samples 4 and 0 in the out-blocks where skips are pending
      boolean[][] keeps = {{true, false, true, true, true}, null, null, {false, true, true, false}, null};
      for (int i = 0; i < 5; i++) {
        pass.advance();
        NDArray heads = pass.head();
        for (int k = 0; k < ids.size(); k++) {
          assertThat(heads.get(k).allClose(alone.get(ids.get(k)).get(i), 1e-5, 1e-5, false))
              .as("sample %d at exit %d", ids.get(k), i).isTrue();
        }
        if (keeps[i] != null) {
          pass.retain(m.create(keeps[i]));
          List<Integer> kept = new ArrayList<>();
          for (int k = 0; k < keeps[i].length; k++) {
            if (keeps[i][k]) {
              kept.add(ids.get(k));
            }
          }
          ids = kept;
          assertThat(pass.active()).isEqualTo(ids.size());
          // the cached head is compacted too
          NDArray compacted = pass.head();
          assertThat(compacted.getShape().get(0)).isEqualTo(ids.size());
          for (int k = 0; k < ids.size(); k++) {
            assertThat(compacted.get(k).allClose(alone.get(ids.get(k)).get(i), 1e-5, 1e-5, false)).isTrue();
          }
        }
      }
      assertThat(ids).containsExactly(2, 3);
    }
  }

  @Test
  void aSamplesPredictionDoesNotDependOnItsBatchCompanions() {
    try (NDManager m = root.newSubManager()) {
      NDArray x = TinyUVit.images(m, 4, 4);
      NDArray t = m.create(new float[] {300, 10, 20, 990});
      NDArray withAll = finalHeads(x, t).get(0);
      NDArray withOne = finalHeads(x.get("0:2"), t.get("0:2")).get(0);
      NDArray withOther = finalHeads(NDArrays.concat(new NDList(x.get("0:1"), x.get("3:4"))),
          NDArrays.concat(new NDList(t.get("0:1"), t.get("3:4")))).get(0);
      assertThat(withAll.allClose(withOne, 1e-5, 1e-5, false)).isTrue();
      assertThat(withAll.allClose(withOther, 1e-5, 1e-5, false)).isTrue();
    }
  }

  private static NDArray finalHeads(NDArray x, NDArray t) {
    return TinyUVit.advanceToOutput(backbone.begin(store, x, t, false));
  }

  @Test
  void retainingNoSampleLeavesAnEmptyPassThatStillAdvances() {
    try (NDManager m = root.newSubManager()) {
      Pass pass = backbone.begin(store, TinyUVit.images(m, 2, 5), m.create(new float[] {1, 2}), false);
      pass.advance();
      pass.retain(m.create(new boolean[] {false, false}));
      assertThat(pass.active()).isZero();
      for (int i = 1; i < 5; i++) {
        assertThat(pass.advance().getShape()).isEqualTo(new Shape(0, 25, 16));
      }
      assertThat(pass.head().getShape()).isEqualTo(new Shape(0, 2, 8, 12));
    }
  }

  @Test
  void retainRejectsMasksOfTheWrongTypeOrLength() {
    try (NDManager m = root.newSubManager()) {
      Pass pass = backbone.begin(store, TinyUVit.images(m, 3, 0), m.create(new float[] {1, 2, 3}), false);
      pass.advance();
      assertThatThrownBy(() -> pass.retain(m.create(new float[] {1, 0, 1})))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("uvit pass: retain needs a boolean mask, got float32");
      assertThatThrownBy(() -> pass.retain(m.create(new boolean[] {true, false})))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("uvit pass: retain mask must have shape (3) = the active samples, got (2)");
    }
  }

  @Test
  void beginRejectsInputsOfTheWrongShape() {
    try (NDManager m = root.newSubManager()) {
      NDArray t = m.create(new float[] {1, 2});
      assertThatThrownBy(() -> backbone.begin(store, m.zeros(new Shape(2, 1, 8, 12)), t, false))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("backbone 'uvit': images must have shape (B, 2, 8, 12), got (2, 1, 8, 12)");
      assertThatThrownBy(() -> backbone.begin(store, m.zeros(new Shape(2, 2, 8, 12)), m.create(new float[] {1}), false))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("backbone 'uvit': model time must have shape (2) = one value per image, got (1)");
      assertThatThrownBy(() -> backbone.begin(store, m.zeros(new Shape(2, 2, 8, 12), DataType.FLOAT64), t, false))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("backbone 'uvit': images must be float32, got float64");
    }
  }

  @Test
  void sameSeedGivesIdenticalWeightsAndOutputsAndAnotherSeedDoesNot() {
    try (NDManager m = root.newSubManager();
        UVitBackbone a = TinyUVit.create(m, 7);
        UVitBackbone b = TinyUVit.create(m, 7);
        UVitBackbone c = TinyUVit.create(m, 8)) {
      var pa = a.block().getParameters().values();
      var pb = b.block().getParameters().values();
      var pc = c.block().getParameters().values();
      boolean anyDifferent = false;
      for (int i = 0; i < pa.size(); i++) {
        assertThat(pa.get(i).getArray().contentEquals(pb.get(i).getArray())).as(pa.get(i).getName()).isTrue();
        anyDifferent |= !pa.get(i).getArray().contentEquals(pc.get(i).getArray());
      }
      assertThat(anyDifferent).isTrue();
      NDArray x = TinyUVit.images(m, 2, 6);
      NDArray t = m.create(new float[] {4, 40});
      NDArray ya = a.block().forward(new ParameterStore(m, false), new NDList(x, t), false).head();
      NDArray yb = b.block().forward(new ParameterStore(m, false), new NDList(x, t), false).head();
      assertThat(ya.contentEquals(yb)).isTrue();
    }
  }

  @Test
  void initialisationFollowsUVit() {
    for (Pair<String, Parameter> p : backbone.block().getParameters()) {
      NDArray a = p.getValue().getArray();
      String name = p.getKey();
      if (name.contains("norm") && name.endsWith("gamma")) {
        assertThat(a.eq(1f).all().getBoolean()).as(name).isTrue();
      } else if (name.contains("norm") && name.endsWith("beta")) {
        assertThat(a.eq(0f).all().getBoolean()).as(name).isTrue();
      } else if (!name.contains("patch_embed") && !name.contains("final_layer") && name.endsWith("bias")) {
        assertThat(a.eq(0f).all().getBoolean()).as(name).isTrue();
      } else if (name.contains("qkv") || name.contains("fc1") || name.equals("pos_embed")) {
        float std = a.square().mean().sqrt().getFloat();
        assertThat(std).as(name).isBetween(0.015f, 0.025f);
      }
    }
  }

  @Test
  void savedParametersLoadIntoAnotherInstanceAndGiveIdenticalOutputs() throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    backbone.block().saveParameters(new DataOutputStream(bytes));
    try (NDManager m = root.newSubManager();
        UVitBackbone other = TinyUVit.create(m, 99)) {
      NDArray x = TinyUVit.images(m, 2, 7);
      NDArray t = m.create(new float[] {12, 345});
      NDArray expected = finalHeads(x, t);
      other.block().loadParameters(m, new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
      Pass pass = other.begin(new ParameterStore(m, false), x, t, false);
      for (int i = 0; i < 5; i++) {
        pass.advance();
      }
      var loaded = other.block().getParameters().values();
      var saved = backbone.block().getParameters().values();
      for (int i = 0; i < saved.size(); i++) {
        assertThat(loaded.get(i).getArray().contentEquals(saved.get(i).getArray())).as(saved.get(i).getName()).isTrue();
      }
      // same weights, same inputs; bitwise equality is not guaranteed across allocations (vectorised kernels)
      assertThat(pass.head().sub(expected).abs().max().getFloat()).isLessThan(1e-6f);
    }
  }
}
