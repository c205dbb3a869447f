package io.diffexit.backbones.uvit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.nn.ParameterList;
import ai.djl.training.ParameterStore;
import io.diffexit.api.BackboneContext;
import io.diffexit.api.Params;
import io.diffexit.api.Pass;
import io.diffexit.testkit.LinearSchedule;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code exit-heads=per-exit}: a head of its own for every exit point but the last. */
class UVitPerExitHeadsTest {

  /** TinyUVit's shape (2×8×12, patch 2, D 16, 5 blocks) with the convolutional v head (K = 3). */
  private static final Params SHARED = Params.parse(
      "channels=2,height=8,width=12,patch=2,dim=16,depth=5,heads=2,mlp-ratio=4,head-channels=3,prediction=v");

  private static final Params PER_EXIT = SHARED.with("exit-heads", "per-exit");

  private static NDManager root;
  private static UVitBackbone shared;
  private static UVitBackbone perExit;
  private static ParameterStore store;

  @BeforeAll
  static void setUp() {
    root = NDManager.newBaseManager();
    LinearSchedule schedule = new LinearSchedule(1000);
    shared = (UVitBackbone) new UVitFactory().create(SHARED, new BackboneContext(root, 7, schedule));
    perExit = (UVitBackbone) new UVitFactory().create(PER_EXIT, new BackboneContext(root, 7, schedule));
    store = new ParameterStore(root, false);
  }

  @AfterAll
  static void tearDown() {
    shared.close();
    perExit.close();
    root.close();
  }

  @Test
  void theSameSeedGivesTheSharedModelsTrunkAndFinalHeadAndTheExitHeadsAddOnlyParameters() {
    // decoder 16*12+12 = 204, conv1 3*6*9+3 = 165, conv2 2*3*9+2 = 56, the norm 2*16 = 32: 457 per head, 4 more heads
    assertThat(perExit.spec().parameterCount()).isEqualTo(shared.spec().parameterCount() + 4 * 457);
    assertThat(perExit.spec().exitPoints()).isEqualTo(shared.spec().exitPoints()); // same MACs at every exit
    assertThat(perExit.spec().embedMacs()).isEqualTo(shared.spec().embedMacs());
    ParameterList a = shared.block().getParameters();
    ParameterList b = perExit.block().getParameters();
    for (int i = 0; i < a.size(); i++) { // the shared model's parameters come first, with the same names and values
      assertThat(b.get(i).getKey()).isEqualTo(a.get(i).getKey());
      assertThat(b.get(i).getValue().getArray().toFloatArray()).as(a.get(i).getKey())
          .isEqualTo(a.get(i).getValue().getArray().toFloatArray());
    }
    try (NDManager m = root.newSubManager()) {
      NDArray x = TinyUVit.images(m, 3, 1);
      NDArray t = m.create(new float[] {5, 500, 900});
      NDArray full = shared.block().forward(store, new NDList(x, t), false).head();
      assertThat(perExit.block().forward(store, new NDList(x, t), false).head().toFloatArray())
          .isEqualTo(full.toFloatArray());
    }
  }

  @Test
  void theEarlyExitHeadsAreTheExitHeadsParametersEachInheritingTheFinalHeadsTwin() {
    Map<String, String> inherited = perExit.inheritedParameters();
    ParameterList all = perExit.block().getParameters();
    int headParameters = perExit.block().getParameters().size() - shared.block().getParameters().size();
    assertThat(inherited).hasSize(headParameters);
    assertThat(perExit.earlyExitHeadParameters()).containsExactlyInAnyOrderElementsOf(inherited.keySet());
    List<String> finalHead = new ArrayList<>();
    for (String name : shared.block().getParameters().keys()) {
      if (name.matches("\\d+head_.*")) {
        finalHead.add(name);
      }
    }
    assertThat(finalHead).hasSize(headParameters / 4);
    assertThat(inherited.values()).containsOnly(finalHead.toArray(new String[0]));
    inherited.forEach((name, source) -> {
      assertThat(all.get(name).getArray().getShape()).as(name).isEqualTo(all.get(source).getArray().getShape());
      assertThat(name.replaceFirst("^\\d+head_(in|mid|out)\\d*_", ""))
          .isEqualTo(source.replaceFirst("^\\d+head_", ""));
    });
    assertThat(shared.inheritedParameters()).isEmpty();
    assertThat(shared.earlyExitHeadParameters()).isEmpty();
  }

  @Test
  void eachExitRunsItsOwnHeadAndCopiesOfTheFinalHeadPredictWhatTheSharedHeadDid() {
    try (NDManager m = root.newSubManager();
        UVitBackbone copy = (UVitBackbone) new UVitFactory().create(
            PER_EXIT, new BackboneContext(m, 7, new LinearSchedule(1000)))) {
      ParameterList params = copy.block().getParameters();
      copy.inheritedParameters().forEach(
          (name, source) -> params.get(source).getArray().copyTo(params.get(name).getArray()));
      NDArray x = TinyUVit.images(m, 2, 2);
      NDArray t = m.create(new float[] {100, 700});
      float[][] before = TinyUVit.exitHeads(copy, store, x, t);
      float[][] base = TinyUVit.exitHeads(shared, store, x, t);
      for (int i = 0; i < base.length; i++) {
        assertThat(before[i]).as("exit %d", i).isEqualTo(base[i]);
      }
      // move exit 1's head (mid, of in0 in1 mid out0 out1) alone: only that exit's prediction changes
      String decoder = copy.inheritedParameters().keySet().stream()
          .filter(n -> n.matches("\\d+head_mid_.*decoder_pred_weight")).findFirst().orElseThrow();
      Parameter moved = params.get(decoder);
      moved.getArray().addi(0.5f);
      float[][] after = TinyUVit.exitHeads(copy, store, x, t);
      for (int i = 0; i < after.length; i++) {
        if (i == 2) {
          assertThat(after[i]).as("exit %d", i).isNotEqualTo(before[i]);
        } else {
          assertThat(after[i]).as("exit %d", i).isEqualTo(before[i]);
        }
      }
      // a supplied hidden state at an exit point also runs that exit's head
      Pass pass = copy.begin(store, x, t, false);
      NDArray h0 = pass.advance();
      assertThat(pass.head(2, h0).toFloatArray()).isNotEqualTo(pass.head(0, h0).toFloatArray());
      assertThat(pass.head(0, h0).toFloatArray()).isEqualTo(pass.head().toFloatArray());
    }
  }

  @Test
  void exitHeadsConfigRoundTripsAndAnUnknownValueIsRefused() {
    UVitConfig c = UVitConfig.from(PER_EXIT);
    assertThat(c.perExitHeads()).isTrue();
    assertThat(UVitConfig.from(c.toParams())).isEqualTo(c);
    assertThat(c.toParams().toString()).contains("exit-heads=per-exit");
    assertThat(UVitConfig.from(SHARED).toParams().toString()).doesNotContain("exit-heads");
    assertThat(UVitConfig.from(SHARED.with("exit-heads", "shared"))).isEqualTo(UVitConfig.from(SHARED));
    assertThatThrownBy(() -> UVitConfig.from(SHARED.with("exit-heads", "own")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("backbone 'uvit': parameter 'exit-heads' must be shared or per-exit, got 'own'");
  }

}
