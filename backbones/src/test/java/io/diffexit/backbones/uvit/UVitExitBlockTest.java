package io.diffexit.backbones.uvit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
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

/** {@code exit-skip=block}: each early exit runs an out-block of its own on [hidden, in0's output] before its head. */
class UVitExitBlockTest {

  /** TinyUVit's shape (2×8×12, patch 2: T = 25 tokens, D 16, 5 blocks), convolutional v head, a head per exit. */
  private static final Params PER_EXIT = Params.parse("channels=2,height=8,width=12,patch=2,dim=16,depth=5,heads=2,"
      + "mlp-ratio=4,head-channels=3,prediction=v,exit-heads=per-exit");

  private static final Params EXIT_BLOCK = PER_EXIT.with("exit-skip", "block");

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

  private static UVitBackbone exitBlock(NDManager m) {
    return (UVitBackbone) new UVitFactory().create(EXIT_BLOCK, new BackboneContext(m, 7, new LinearSchedule(1000)));
  }

  /**
   * Gives every early exit the final head and a copy of the last block: each exit then runs the network's own last
   * block and head on its hidden state (the heads' inherited sources; the blocks by their names after the prefix).
   */
  private static void copyLastBlockAndFinalHead(UVitBackbone b) {
    ParameterList params = b.block().getParameters();
    b.inheritedParameters().forEach((name, source) -> params.get(source).getArray().copyTo(params.get(name).getArray()));
    String last = params.keys().stream().filter(k -> k.matches("\\d+out1_.*")).findFirst().orElseThrow()
        .replaceFirst("_.*", "_");
    for (String name : b.inheritedParameters().keySet()) {
      if (name.matches("\\d+block_.*")) {
        params.get(last + name.replaceFirst("^\\d+block_[a-z]+\\d*_", "")).getArray()
            .copyTo(params.get(name).getArray());
      }
    }
  }

  private static double maxDifference(float[] a, float[] b) {
    assertThat(a).hasSameSizeAs(b);
    double max = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
    }
    return max;
  }

  @Test
  void eachEarlyExitCostsOneOutBlockMoreAndTheLastExitNothing() {
    try (NDManager m = root.newSubManager(); UVitBackbone b = exitBlock(m)) {
      // out-block, D 16, MLP 64, no qkv bias: skip 32·16+16, norm1 2·16, qkv 16·48, proj 16·16+16, norm2 2·16,
      // fc1 16·64+64, fc2 64·16+16 = 528 + 32 + 768 + 272 + 32 + 1088 + 1040 = 3760, for each of the 4 early exits
      assertThat(b.spec().parameterCount()).isEqualTo(perExit.spec().parameterCount() + 4 * 3760);
      for (int i = 0; i < 5; i++) {
        ExitPointSpec with = b.spec().exitPoints().get(i);
        ExitPointSpec without = perExit.spec().exitPoints().get(i);
        assertThat(with.segmentMacs()).isEqualTo(without.segmentMacs());
        // block 25·(3·256 + 256 + 2·16·64) + 2·25²·16 = 96,800, its skip linear 2·25·16² = 12,800
        assertThat(with.headMacs()).as("exit %d", i).isEqualTo(without.headMacs() + (i < 4 ? 109_600 : 0));
      }
      assertThat(UVitCostModel.exitSkipMacs(b.config())).isEqualTo(UVitCostModel.segmentMacs(b.config(), 4));
    }
  }

  @Test
  void theExitBlocksStartAsTheIdentityAndCountAsEarlyExitParameters() {
    try (NDManager m = root.newSubManager(); UVitBackbone b = exitBlock(m)) {
      Map<String, String> inherited = b.inheritedParameters();
      long blocks = inherited.keySet().stream().filter(n -> n.matches("\\d+block_(in|mid|out)\\d*_.*")).count();
      assertThat(blocks).isEqualTo(4 * 13); // 13 arrays per out-block: 7 weights, 4 biases, 2 LayerNorm betas
      inherited.forEach((name, source) -> {
        if (name.matches("\\d+block_.*")) {
          assertThat(source).as("a block parameter keeps its own initial value").isEqualTo(name);
        }
      });
      assertThat(b.earlyExitHeadParameters()).containsExactlyInAnyOrderElementsOf(inherited.keySet());
      assertThat(inherited).hasSize(perExit.inheritedParameters().size() + 4 * 13);
      // the identity block passes the hidden state through exactly: every exit predicts what its head alone did
      NDArray x = TinyUVit.images(m, 3, 4);
      NDArray t = m.create(new float[] {20, 400, 950});
      float[][] base = TinyUVit.exitHeads(perExit, store, x, t);
      float[][] same = TinyUVit.exitHeads(b, store, x, t);
      for (int i = 0; i < base.length; i++) {
        assertThat(same[i]).as("exit %d", i).containsExactly(base[i]);
      }
    }
  }

  @Test
  void withACopyOfTheLastBlockAndTheFinalHeadTheLastEarlyExitIsTheFullModel() {
    try (NDManager m = root.newSubManager(); UVitBackbone b = exitBlock(m)) {
      copyLastBlockAndFinalHead(b);
      NDArray x = TinyUVit.images(m, 3, 4);
      NDArray t = m.create(new float[] {20, 400, 950});
      float[][] heads = TinyUVit.exitHeads(b, store, x, t);
      float[] full = b.block().forward(store, new NDList(x, t), false).head().toFloatArray();
      assertThat(heads[4]).containsExactly(full);
      // exit 3 (out0) runs the last block's copy on out0's output and in0's: exactly what the full model computes
      assertThat(heads[3]).containsExactly(full);
      // the earlier exits feed the same block an earlier hidden state, so they differ from it and from each other
      for (int i = 0; i < 3; i++) {
        assertThat(maxDifference(heads[i], full)).as("exit %d", i).isGreaterThan(1e-3);
        assertThat(maxDifference(heads[i], heads[i + 1])).as("exit %d", i).isGreaterThan(1e-5);
      }
      // moving exit 1's block (in1) moves that exit alone
      ParameterList params = b.block().getParameters();
      String fc2 = b.inheritedParameters().keySet().stream()
          .filter(n -> n.matches("\\d+block_in1_.*fc2_weight")).findFirst().orElseThrow();
      params.get(fc2).getArray().muli(3f); // a uniform shift would vanish in the head's LayerNorm
      float[][] moved = TinyUVit.exitHeads(b, store, x, t);
      for (int i = 0; i < 5; i++) {
        if (i == 1) {
          assertThat(maxDifference(moved[i], heads[i])).as("exit %d", i).isGreaterThan(1e-3);
        } else {
          assertThat(moved[i]).as("exit %d", i).containsExactly(heads[i]);
        }
      }
    }
  }

  @Test
  void aHeadOnASubsetOfRowsReadsThoseRowsOfIn0sOutput() {
    try (NDManager m = root.newSubManager(); UVitBackbone b = exitBlock(m)) {
      NDArray x = TinyUVit.images(m, 3, 5);
      NDArray t = m.create(new float[] {30, 500, 900});
      Pass pass = b.begin(store, x, t, false);
      pass.advance();
      NDArray h1 = pass.advance();
      NDArray all = pass.head(1, h1);
      boolean[] rows = {false, true, true};
      NDArray some = pass.head(1, h1.get(m.create(rows)), rows);
      float[] expected = all.get(m.create(rows)).toFloatArray();
      float[] actual = some.toFloatArray();
      assertThat(actual).hasSameSizeAs(expected);
      for (int i = 0; i < actual.length; i++) {
        assertThat(actual[i]).as("value %d", i).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(1e-5f));
      }
    }
  }

  @Test
  void anEarlyExitBlockAfterResumingAtTheOutputIsRefusedWithTheReason() {
    try (NDManager m = root.newSubManager(); UVitBackbone b = exitBlock(m)) {
      NDArray x = TinyUVit.images(m, 2, 6);
      NDArray t = m.create(new float[] {100, 600});
      Pass pass = b.begin(store, x, t, false);
      NDArray h0 = pass.advance();
      pass.resume(4, pass.advance().duplicate());
      assertThatThrownBy(() -> pass.head(0, h0))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("uvit pass: the head of exit point 0 reads in0's output (exit-skip=block), which this pass does"
              + " not hold after resuming at the output");
    }
  }

  @Test
  void exitBlockRoundTripsAndNeedsPerExitHeads() {
    UVitConfig c = UVitConfig.from(EXIT_BLOCK);
    assertThat(c.exitSkip()).isEqualTo(UVitConfig.ExitSkip.BLOCK);
    assertThat(UVitConfig.from(c.toParams())).isEqualTo(c);
    assertThat(c.toParams().toString()).contains("exit-skip=block");
    assertThatThrownBy(() -> UVitConfig.from(PER_EXIT.with("exit-heads", "shared").with("exit-skip", "block")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("backbone 'uvit': parameter 'exit-skip=block' gives each early exit's own head a skip input; it"
            + " needs exit-heads=per-exit");
  }
}
