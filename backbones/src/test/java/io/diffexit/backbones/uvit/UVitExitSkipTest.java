package io.diffexit.backbones.uvit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.ParameterList;
import ai.djl.training.ParameterStore;
import io.diffexit.api.ExitPointSpec;
import io.diffexit.api.Params;
import io.diffexit.api.Pass;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code exit-skip}: each early exit's head reads [hidden, in0's output], through a skip linear of its own ({@code
 * outer}) or through an out-block of its own ({@code block}).
 */
class UVitExitSkipTest {

  private static final Params PER_EXIT = TinyUVit.PER_EXIT_V;

  private static final Params EXIT_SKIP = PER_EXIT.with("exit-skip", "outer");

  private static NDManager root;
  private static UVitBackbone perExit;
  private static ParameterStore store;

  @BeforeAll
  static void setUp() {
    root = NDManager.newBaseManager();
    perExit = TinyUVit.createForSchedule(root, PER_EXIT);
    store = new ParameterStore(root, false);
  }

  @AfterAll
  static void tearDown() {
    perExit.close();
    root.close();
  }

  private static UVitBackbone exitSkip(NDManager m) {
    return TinyUVit.createForSchedule(m, EXIT_SKIP);
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

  /** @return the per-exit backbone's exits, after asserting that {@code b}'s equal them exactly */
  private static float[][] assertExitsAreThePerExitHeads(UVitBackbone b, NDArray x, NDArray t) {
    float[][] base = TinyUVit.exitHeads(perExit, store, x, t);
    float[][] same = TinyUVit.exitHeads(b, store, x, t);
    for (int i = 0; i < base.length; i++) {
      assertThat(same[i]).as("exit %d", i).containsExactly(base[i]);
    }
    return base;
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
      float[][] base = assertExitsAreThePerExitHeads(b, x, t);
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

  @ParameterizedTest
  @ValueSource(strings = {"outer", "block"})
  void aHeadOnASubsetOfRowsReadsThoseRowsOfIn0sOutput(String exitSkip) {
    try (NDManager m = root.newSubManager();
        UVitBackbone b = TinyUVit.createForSchedule(m, PER_EXIT.with("exit-skip", exitSkip))) {
      NDArray x = TinyUVit.images(m, 3, 5);
      NDArray t = m.create(new float[] {30, 500, 900});
      Pass pass = b.begin(store, x, t, false);
      pass.advance();
      NDArray h1 = pass.advance();
      NDArray all = pass.head(1, h1);
      boolean[] flags = {true, false, true};
      NDArray rows = h1.get(m.create(flags));
      NDArray some = pass.head(1, rows, flags);
      // the rows run as a smaller batch, so allow for its rounding
      assertThat(TinyUVit.maxDifference(some.toFloatArray(), all.get(m.create(flags)).toFloatArray()))
          .isLessThan(1e-5);
      assertThatThrownBy(() -> pass.head(1, rows))
          .isInstanceOf(UnsupportedOperationException.class)
          .hasMessageContaining("in0's output for exit-skip)");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"outer", "block"})
  void anEarlyExitHeadAfterResumingAtTheOutputIsRefusedWithTheReason(String exitSkip) {
    try (NDManager m = root.newSubManager();
        UVitBackbone b = TinyUVit.createForSchedule(m, PER_EXIT.with("exit-skip", exitSkip))) {
      NDArray x = TinyUVit.images(m, 2, 6);
      NDArray t = m.create(new float[] {100, 600});
      Pass pass = b.begin(store, x, t, false);
      NDArray h0 = pass.advance();
      pass.resume(4, pass.advance().duplicate());
      assertThatThrownBy(() -> pass.head(0, h0))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("uvit pass: the head of exit point 0 reads in0's output (exit-skip=" + exitSkip + "), which this"
              + " pass does not hold after resuming at the output");
      assertThat(pass.head().getShape().get(0)).isEqualTo(2); // the output head reads no skip
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"outer", "block"})
  void exitSkipRoundTripsAndNeedsPerExitHeads(String exitSkip) {
    UVitConfig c = UVitConfig.from(PER_EXIT.with("exit-skip", exitSkip));
    assertThat(c.exitSkip().label()).isEqualTo(exitSkip);
    assertThat(UVitConfig.from(c.toParams())).isEqualTo(c);
    assertThat(c.toParams().toString()).contains("exit-skip=" + exitSkip);
    assertThat(UVitConfig.from(PER_EXIT).toParams().toString()).doesNotContain("exit-skip");
    assertThatThrownBy(() -> UVitConfig.from(PER_EXIT.with("exit-heads", "shared").with("exit-skip", exitSkip)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("backbone 'uvit': parameter 'exit-skip=" + exitSkip + "' gives each early exit's own head a skip"
            + " input; it needs exit-heads=per-exit");
  }

  @Test
  void anUnknownExitSkipIsRefusedNamingTheValues() {
    assertThatThrownBy(() -> UVitConfig.from(PER_EXIT.with("exit-skip", "in1")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("backbone 'uvit': parameter 'exit-skip' must be none, outer or block, got 'in1'");
  }

  // exit-skip=block: each early exit runs an out-block of its own on [hidden, in0's output] before its head

  private static UVitBackbone exitBlock(NDManager m) {
    return TinyUVit.createForSchedule(m, PER_EXIT.with("exit-skip", "block"));
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
      assertExitsAreThePerExitHeads(b, TinyUVit.images(m, 3, 4), m.create(new float[] {20, 400, 950}));
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
        assertThat(TinyUVit.maxDifference(heads[i], full)).as("exit %d", i).isGreaterThan(1e-3);
        assertThat(TinyUVit.maxDifference(heads[i], heads[i + 1])).as("exit %d", i).isGreaterThan(1e-5);
      }
      // moving exit 1's block (in1) moves that exit alone
      ParameterList params = b.block().getParameters();
      String fc2 = b.inheritedParameters().keySet().stream()
          .filter(n -> n.matches("\\d+block_in1_.*fc2_weight")).findFirst().orElseThrow();
      params.get(fc2).getArray().muli(3f); // a uniform shift would vanish in the head's LayerNorm
      float[][] moved = TinyUVit.exitHeads(b, store, x, t);
      for (int i = 0; i < 5; i++) {
        if (i == 1) {
          assertThat(TinyUVit.maxDifference(moved[i], heads[i])).as("exit %d", i).isGreaterThan(1e-3);
        } else {
          assertThat(moved[i]).as("exit %d", i).containsExactly(heads[i]);
        }
      }
    }
  }
}
