package io.diffexit.harness.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.diffexit.api.BackboneSpec;
import io.diffexit.api.CostMeter.Category;
import io.diffexit.api.CostMeter;
import io.diffexit.api.DecisionMode;
import io.diffexit.api.ExitPoint;
import io.diffexit.api.ExitStrategy;
import io.diffexit.api.ExitTrace;
import io.diffexit.api.HindsightExitStrategy;
import io.diffexit.api.Pass;
import io.diffexit.harness.testing.HiddenMeanStrategy;
import io.diffexit.testkit.TinyBackbone;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class EarlyExitDenoiserTest {

  private static final int EXITS = 5;
  private static final int SIDE = 3;
  private static final int BATCH = 8;

  private NDManager manager;
  private TinyBackbone backbone;
  private ParameterStore store;
  private final ExitStrategy strategy = new HiddenMeanStrategy(0.3f, 0.15f);

  @BeforeEach
  void setUp() {
    manager = NDManager.newBaseManager();
    backbone = new TinyBackbone(manager, EXITS, 6, SIDE, 42);
    store = new ParameterStore(manager, false);
  }

  @AfterEach
  void tearDown() {
    manager.close();
  }

  private NDArray inputs(NDManager m) {
    return new SeededNoise(3, 0).initial(m, new Shape(BATCH, 1, SIDE, SIDE));
  }

  private NDArray times(NDManager m, int n) {
    return m.full(new Shape(n), 250f);
  }

  /** Runs the denoiser on a batch; returns its output as floats and fills trace and meter. */
  private float[] denoise(NDArray x, int offset, ExitTrace trace, CostMeter meter, DecisionMode mode) {
    EarlyExitDenoiser d = new EarlyExitDenoiser(backbone, store, strategy, mode, meter, trace, offset, null);
    return d.predictNoise(x, times(x.getManager(), (int) x.getShape().get(0)), 0).toFloatArray();
  }

  /** Runs one sample alone through the backbone to exit point {@code exit} and returns its head. */
  private float[] headAlone(NDArray sample, int exit) {
    try (NDManager m = manager.newSubManager()) {
      NDArray x = sample.duplicate();
      x.attach(m);
      Pass pass = backbone.begin(store, x, times(m, 1), false);
      for (int i = 0; i <= exit; i++) {
        pass.advance();
      }
      return pass.head().toFloatArray();
    }
  }

  @Test
  void exitedSampleGetsTheHeadOfItsExitPointAsIfRunAlone() {
    try (NDManager m = manager.newSubManager()) {
      NDArray x = inputs(m);
      ExitTrace trace = new ExitTrace(1, BATCH, EXITS);
      float[] out = denoise(x, 0, trace, new CostMeter(1), DecisionMode.PER_SAMPLE);
      int per = SIDE * SIDE;
      java.util.Set<Integer> exitsSeen = new java.util.HashSet<>();
      for (int b = 0; b < BATCH; b++) {
        int e = trace.exitAt(0, b);
        exitsSeen.add(e);
        float[] alone = headAlone(x.get(b + ":" + (b + 1)), e);
        for (int k = 0; k < per; k++) {
          assertThat(out[b * per + k]).as("sample %d pixel %d", b, k).isCloseTo(alone[k], within(1e-5f));
        }
      }
      // The fixture is only a test of compaction if the samples really exit at different points.
      assertThat(exitsSeen).hasSizeGreaterThan(1);
    }
  }

  @Test
  void aSamplesOutputDoesNotDependOnWhichSamplesShareItsBatch() {
    try (NDManager m = manager.newSubManager()) {
      NDArray x = inputs(m);
      float[] whole = denoise(x, 0, new ExitTrace(1, BATCH, EXITS), new CostMeter(1), DecisionMode.PER_SAMPLE);
      // The same samples in two batches of different composition, the second reversed.
      ExitTrace split = new ExitTrace(1, BATCH, EXITS);
      float[] first = denoise(x.get("0:3"), 0, split, new CostMeter(1), DecisionMode.PER_SAMPLE);
      NDArray reversed = x.get("3:").flip(0);
      float[] second = denoise(reversed, 3, split, new CostMeter(1), DecisionMode.PER_SAMPLE);
      int per = SIDE * SIDE;
      for (int k = 0; k < 3 * per; k++) {
        assertThat(first[k]).isCloseTo(whole[k], within(1e-5f));
      }
      for (int r = 0; r < 5; r++) {
        int b = BATCH - 1 - r;
        for (int k = 0; k < per; k++) {
          assertThat(second[r * per + k]).isCloseTo(whole[b * per + k], within(1e-5f));
        }
      }
    }
  }

  @Test
  void costMeterChargesEmbeddingSegmentsStrategyAndHeadsForTheActiveSamplesOnly() {
    try (NDManager m = manager.newSubManager()) {
      ExitTrace trace = new ExitTrace(1, BATCH, EXITS);
      CostMeter meter = new CostMeter(1);
      denoise(inputs(m), 0, trace, meter, DecisionMode.PER_SAMPLE);
      BackboneSpec spec = backbone.spec();
      long segment = spec.exitPoints().get(0).segmentMacs();
      long head = spec.exitPoints().get(0).headMacs();
      // Expected from the trace: a sample exiting at e ran e+1 segments and was decided on at min(e+1, EXITS-1)
      // exit points; each exit point where anyone exited evaluated the head for every sample active there.
      long segments = 0;
      long decisions = 0;
      long heads = 0;
      int[] activeAt = new int[EXITS];
      boolean[] anyExit = new boolean[EXITS];
      for (int b = 0; b < BATCH; b++) {
        int e = trace.exitAt(0, b);
        segments += (e + 1) * segment;
        decisions += Math.min(e + 1, EXITS - 1);
        for (int i = 0; i <= e; i++) {
          activeAt[i]++;
        }
        anyExit[e] = true;
      }
      for (int i = 0; i < EXITS; i++) {
        if (anyExit[i] || i == EXITS - 1) {
          heads += (long) activeAt[i] * head;
        }
      }
      assertThat(meter.total(Category.EMBED)).isEqualTo(BATCH * spec.embedMacs());
      assertThat(meter.total(Category.BACKBONE)).isEqualTo(segments);
      assertThat(meter.total(Category.STRATEGY)).isEqualTo(7 * decisions);
      assertThat(meter.total(Category.HEAD)).isEqualTo(heads);
    }
  }

  @Test
  void perBatchModeExitsTheWholeBatchTogether() {
    try (NDManager m = manager.newSubManager()) {
      ExitTrace trace = new ExitTrace(1, BATCH, EXITS);
      denoise(inputs(m), 0, trace, new CostMeter(1), DecisionMode.PER_BATCH);
      for (int b = 1; b < BATCH; b++) {
        assertThat(trace.exitAt(0, b)).isEqualTo(trace.exitAt(0, 0));
      }
    }
  }

  /** A hindsight strategy under which sample b chooses exit point b % EXITS. */
  private static HindsightExitStrategy moduloOracle() {
    return new HindsightExitStrategy() {
      @Override
      public String describe() {
        return "test-oracle";
      }

      @Override
      public NDArray decide(ExitPoint point) {
        throw new AssertionError("not called for hindsight strategies");
      }

      @Override
      public NDArray chooseExit(List<NDArray> heads, ExitPoint point) {
        int[] e = new int[(int) point.batchSize()];
        for (int b = 0; b < e.length; b++) {
          e[b] = b % EXITS;
        }
        return heads.get(0).getManager().create(e);
      }
    };
  }

  @Test
  void hindsightStrategyGetsTheHeadItChoseAndIsChargedAsIfItHadExitedThere() {
    HindsightExitStrategy oracle = moduloOracle();
    try (NDManager m = manager.newSubManager()) {
      NDArray x = inputs(m);
      ExitTrace trace = new ExitTrace(1, BATCH, EXITS);
      CostMeter meter = new CostMeter(1);
      EarlyExitDenoiser d =
          new EarlyExitDenoiser(backbone, store, oracle, DecisionMode.PER_SAMPLE, meter, trace, 0, null);
      float[] out = d.predictNoise(x, times(m, BATCH), 0).toFloatArray();
      int per = SIDE * SIDE;
      long segment = backbone.spec().exitPoints().get(0).segmentMacs();
      long expectedSegments = 0;
      for (int b = 0; b < BATCH; b++) {
        assertThat(trace.exitAt(0, b)).isEqualTo(b % EXITS);
        float[] alone = headAlone(x.get(b + ":" + (b + 1)), b % EXITS);
        for (int k = 0; k < per; k++) {
          assertThat(out[b * per + k]).isCloseTo(alone[k], within(1e-5f));
        }
        expectedSegments += (b % EXITS + 1) * segment;
      }
      assertThat(meter.total(Category.BACKBONE)).isEqualTo(expectedSegments);
      assertThat(meter.total(Category.HEAD)).isEqualTo(BATCH * backbone.spec().exitPoints().get(0).headMacs());
    }
  }

  @Test
  void perBatchAHindsightStrategysBatchExitsTogetherAtTheLatestChoice() {
    HindsightExitStrategy oracle = moduloOracle();
    try (NDManager m = manager.newSubManager()) {
      NDArray x = inputs(m);
      ExitTrace trace = new ExitTrace(1, BATCH, EXITS);
      CostMeter meter = new CostMeter(1);
      EarlyExitDenoiser d =
          new EarlyExitDenoiser(backbone, store, oracle, DecisionMode.PER_BATCH, meter, trace, 0, null);
      d.predictNoise(x, times(m, BATCH), 0);
      int latest = Math.min(BATCH, EXITS) - 1; // samples choose b % EXITS
      long expected = 0;
      for (int e = 0; e <= latest; e++) {
        expected += backbone.spec().exitPoints().get(e).segmentMacs();
      }
      for (int b = 0; b < BATCH; b++) {
        assertThat(trace.exitAt(0, b)).as("sample %d", b).isEqualTo(latest);
      }
      assertThat(meter.total(Category.BACKBONE)).isEqualTo(BATCH * expected);
    }
  }

  @Test
  void nonFiniteModelOutputNamesTheStepAndTheStrategy() {
    try (NDManager m = manager.newSubManager()) {
      NDArray x = m.full(new Shape(2, 1, SIDE, SIDE), Float.NaN);
      EarlyExitDenoiser d =
          new EarlyExitDenoiser(
              backbone, store, strategy, DecisionMode.PER_SAMPLE, new CostMeter(4), new ExitTrace(4, 2, EXITS), 0,
              null);
      assertThatThrownBy(() -> d.predictNoise(x, times(m, 2), 3))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage(
              "non-finite ε prediction at sampler step 3 (model time 250.0) with exit strategy "
                  + "hidden-mean(threshold=0.3, slope=0.15); check the checkpoint and the sampler's time convention");
    }
  }

  @Test
  void aMaskOfTheWrongShapeIsRefusedWithTheStrategyAndExitPointNamed() {
    ExitStrategy broken =
        new ExitStrategy() {
          @Override
          public String describe() {
            return "broken";
          }

          @Override
          public NDArray decide(ExitPoint point) {
            return point.hidden().getManager().zeros(new Shape(1), DataType.BOOLEAN);
          }
        };
    try (NDManager m = manager.newSubManager()) {
      EarlyExitDenoiser d =
          new EarlyExitDenoiser(
              backbone, store, broken, DecisionMode.PER_SAMPLE, new CostMeter(1), new ExitTrace(1, BATCH, EXITS), 0,
              null);
      assertThatThrownBy(() -> d.predictNoise(inputs(m), times(m, BATCH), 0))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("exit strategy 'broken' (built-in) returned a mask of shape (1) at exit point layer1; expected"
              + " (8)");
    }
  }

  /** A strategy whose decide is {@code body}. */
  private static ExitStrategy deciding(java.util.function.Function<ExitPoint, NDArray> body) {
    return new ExitStrategy() {
      @Override
      public String describe() {
        return "odd";
      }

      @Override
      public NDArray decide(ExitPoint point) {
        return body.apply(point);
      }
    };
  }

  private String decideError(ExitStrategy s) {
    try (NDManager m = manager.newSubManager()) {
      EarlyExitDenoiser d = new EarlyExitDenoiser(backbone, store, s, DecisionMode.PER_SAMPLE, new CostMeter(1),
          new ExitTrace(1, BATCH, EXITS), 0, null);
      Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> d.predictNoise(inputs(m), times(m, BATCH), 0));
      assertThat(t).isInstanceOf(IllegalStateException.class);
      return t.getMessage();
    }
  }

  @Test
  void aNullOrNonBooleanMaskOrAThrowingDecideNamesTheStrategyAndTheContract() {
    assertThat(decideError(deciding(p -> null))).isEqualTo("exit strategy 'odd' (built-in) returned null at exit"
        + " point layer1; decide must return a boolean mask of shape (8), one per active sample");
    assertThat(decideError(deciding(p -> p.hidden().getManager().ones(new Shape(BATCH)))))
        .isEqualTo("exit strategy 'odd' (built-in) returned a float32 mask at exit point layer1; decide must return"
            + " a boolean mask of shape (8), one per active sample (e.g. certainty.gt(threshold))");
    assertThat(decideError(deciding(p -> {
      throw new ArithmeticException("bad bound");
    }))).isEqualTo("exit strategy 'odd' (built-in) failed in decide at exit point layer1 (ArithmeticException: bad"
        + " bound)");
  }

  @Test
  void temporariesOfACallAreReleased() {
    try (NDManager m = manager.newSubManager()) {
      NDArray x = inputs(m);
      int before = m.getManagedArrays().size();
      EarlyExitDenoiser d =
          new EarlyExitDenoiser(
              backbone, store, strategy, DecisionMode.PER_SAMPLE, new CostMeter(2), new ExitTrace(2, BATCH, EXITS),
              0, null);
      NDArray t = times(m, BATCH);
      d.predictNoise(x, t, 0).close();
      d.predictNoise(x, t, 1).close();
      // x, t and nothing else: the call's intermediates lived in its own scope.
      assertThat(m.getManagedArrays().size()).isEqualTo(before + 1);
    }
  }

  private static org.assertj.core.data.Offset<Float> within(float tolerance) {
    return org.assertj.core.data.Offset.offset(tolerance);
  }
}
