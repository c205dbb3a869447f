package io.diffexit.backbones.uvit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.ParameterList;
import ai.djl.training.ParameterStore;
import io.diffexit.api.BackboneContext;
import io.diffexit.api.ExitPointSpec;
import io.diffexit.api.Params;
import io.diffexit.api.Pass;
import io.diffexit.testkit.LinearSchedule;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code exit-skip=outer}: each early exit's head reads [hidden, in0's output] through a skip linear of its own. */
class UVitExitSkipTest {

  /** TinyUVit's shape (2×8×12, patch 2: T = 25 tokens, D 16, 5 blocks), convolutional v head, a head per exit. */
  private static final Params PER_EXIT = Params.parse("channels=2,height=8,width=12,patch=2,dim=16,depth=5,heads=2,"
      + "mlp-ratio=4,head-channels=3,prediction=v,exit-heads=per-exit");

  private static final Params EXIT_SKIP = PER_EXIT.with("exit-skip", "outer");

  private static NDManager root;
  private static UVitBackbone perExit;
  private static ParameterStore store;

  @BeforeAll
  static void setUp() {
    root = NDManager.newBaseManager();
    perExit = (UVitBackbone) new UVitFactory().create(PER_EXIT, new BackboneContext(root, 7, new LinearSchedule(1000)));
    store = new ParameterStore(root, false);
  }

  @AfterAll
  static void tearDown() {
    perExit.close();
    root.close();
  }

  private static UVitBackbone exitSkip(NDManager m) {
    return (UVitBackbone) new UVitFactory().create(EXIT_SKIP, new BackboneContext(m, 7, new LinearSchedule(1000)));
  }

  /** Sets every exit skip linear to [I, 0] with zero bias: it passes the hidden state through and ignores in0. */
  private static void passHiddenThrough(UVitBackbone b) {
    ParameterList params = b.block().getParameters();
    for (String name : b.inheritedParameters().keySet()) {
      if (!name.matches("\\d+skip_.*")) {
        continue;
      }
      NDArray value = params.get(name).getArray();
      float[] v = new float[(int) value.getShape().size()];
      if (name.endsWith("weight")) { // (D, 2D): row r reads column r of the hidden half
        for (int r = 0; r < 16; r++) {
          v[r * 32 + r] = 1f;
        }
      }
      value.set(v);
    }
  }

  @Test
  void eachEarlyExitCostsOneSkipLinearMoreAndTheLastExitNothing() {
    try (NDManager m = root.newSubManager(); UVitBackbone b = exitSkip(m)) {
      // Linear(32 -> 16): 512 weights + 16 biases, for each of the 4 early exits
      assertThat(b.spec().parameterCount()).isEqualTo(perExit.spec().parameterCount() + 4 * (32 * 16 + 16));
      for (int i = 0; i < 5; i++) {
        ExitPointSpec with = b.spec().exitPoints().get(i);
        ExitPointSpec without = perExit.spec().exitPoints().get(i);
        assertThat(with.segmentMacs()).isEqualTo(without.segmentMacs());
        // 2·T·D² = 2·25·16² = 12,800 MACs per image at each early exit's head
        assertThat(with.headMacs()).as("exit %d", i).isEqualTo(without.headMacs() + (i < 4 ? 12_800 : 0));
      }
      assertThat(UVitCostModel.skipMacs(b.config())).isEqualTo(12_800);
    }
  }

  @Test
  void theSkipLinearsStartFromTheLastBlocksAndCountAsEarlyExitParameters() {
    try (NDManager m = root.newSubManager(); UVitBackbone b = exitSkip(m)) {
      Map<String, String> inherited = b.inheritedParameters();
      ParameterList all = b.block().getParameters();
      long skips = inherited.keySet().stream().filter(n -> n.matches("\\d+skip_(in|mid|out)\\d*_.*")).count();
      assertThat(skips).isEqualTo(8); // weight and bias of 4 exits
      inherited.forEach((name, source) -> {
        if (name.matches("\\d+skip_.*")) {
          assertThat(source).as(name).matches("\\d+out1_\\d*skip_linear_(weight|bias)");
          assertThat(source.endsWith("weight")).isEqualTo(name.endsWith("weight"));
          assertThat(all.get(name).getArray().getShape()).isEqualTo(all.get(source).getArray().getShape());
        }
      });
      assertThat(b.earlyExitHeadParameters()).containsExactlyInAnyOrderElementsOf(inherited.keySet());
      assertThat(inherited).hasSize(perExit.inheritedParameters().size() + 8);
    }
  }

  @Test
  void aSkipLinearThatPassesTheHiddenStateThroughGivesThePerExitHeadsAndTheIn0HalfMovesOnlyEarlyExits() {
    try (NDManager m = root.newSubManager(); UVitBackbone b = exitSkip(m)) {
      passHiddenThrough(b);
      NDArray x = TinyUVit.images(m, 3, 4);
      NDArray t = m.create(new float[] {20, 400, 950});
      float[][] base = TinyUVit.exitHeads(perExit, store, x, t);
      float[][] same = TinyUVit.exitHeads(b, store, x, t);
      for (int i = 0; i < base.length; i++) {
        assertThat(same[i]).as("exit %d", i).containsExactly(base[i]);
      }
      // feed in0's output into every early exit: they change, the output (and so the full model) does not
      ParameterList params = b.block().getParameters();
      for (String name : b.inheritedParameters().keySet()) {
        if (name.matches("\\d+skip_.*weight")) {
          params.get(name).getArray().set(new NDIndex(":, 16:"), 0.05f);
        }
      }
      float[][] moved = TinyUVit.exitHeads(b, store, x, t);
      for (int i = 0; i < 4; i++) {
        assertThat(moved[i]).as("exit %d", i).isNotEqualTo(base[i]);
      }
      assertThat(moved[4]).containsExactly(base[4]);
      assertThat(b.block().forward(store, new NDList(x, t), false).head().toFloatArray()).containsExactly(base[4]);
    }
  }

  @Test
  void aHeadOnASubsetOfRowsReadsThoseRowsOfIn0sOutput() {
    try (NDManager m = root.newSubManager(); UVitBackbone b = exitSkip(m)) {
      NDArray x = TinyUVit.images(m, 3, 5);
      NDArray t = m.create(new float[] {30, 500, 900});
      Pass pass = b.begin(store, x, t, false);
      pass.advance();
      NDArray h1 = pass.advance();
      NDArray all = pass.head(1, h1);
      NDArray rows = h1.get(m.create(new boolean[] {true, false, true}));
      NDArray some = pass.head(1, rows, new boolean[] {true, false, true});
      assertThat(some.toFloatArray()).containsExactly(
          all.get(m.create(new boolean[] {true, false, true})).toFloatArray());
      assertThatThrownBy(() -> pass.head(1, rows))
          .isInstanceOf(UnsupportedOperationException.class)
          .hasMessageContaining("in0's output for exit-skip)");
    }
  }

  @Test
  void anEarlyExitHeadAfterResumingAtTheOutputIsRefusedWithTheReason() {
    try (NDManager m = root.newSubManager(); UVitBackbone b = exitSkip(m)) {
      NDArray x = TinyUVit.images(m, 2, 6);
      NDArray t = m.create(new float[] {100, 600});
      Pass pass = b.begin(store, x, t, false);
      NDArray h0 = pass.advance();
      pass.resume(4, pass.advance().duplicate());
      assertThatThrownBy(() -> pass.head(0, h0))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("uvit pass: the head of exit point 0 reads in0's output (exit-skip=outer), which this pass does"
              + " not hold after resuming at the output");
      assertThat(pass.head().getShape().get(0)).isEqualTo(2); // the output head reads no skip
    }
  }

  @Test
  void exitSkipRoundTripsNeedsPerExitHeadsAndRefusesAnUnknownValue() {
    UVitConfig c = UVitConfig.from(EXIT_SKIP);
    assertThat(c.exitSkip()).isEqualTo(UVitConfig.ExitSkip.OUTER);
    assertThat(UVitConfig.from(c.toParams())).isEqualTo(c);
    assertThat(c.toParams().toString()).contains("exit-skip=outer");
    assertThat(UVitConfig.from(PER_EXIT).toParams().toString()).doesNotContain("exit-skip");
    assertThatThrownBy(() -> UVitConfig.from(PER_EXIT.with("exit-heads", "shared").with("exit-skip", "outer")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("backbone 'uvit': parameter 'exit-skip=outer' gives each early exit's own head a skip input; it"
            + " needs exit-heads=per-exit");
    assertThatThrownBy(() -> UVitConfig.from(PER_EXIT.with("exit-skip", "in1")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("backbone 'uvit': parameter 'exit-skip' must be none, outer or block, got 'in1'");
  }

}
