package io.diffexit.harness.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;

import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import io.diffexit.api.Backbone;
import io.diffexit.api.BackboneContext;
import io.diffexit.api.BackboneSpec;
import io.diffexit.api.CostMeter.Category;
import io.diffexit.api.DecisionMode;
import io.diffexit.api.ExitPointSpec;
import io.diffexit.api.ExitStrategy;
import io.diffexit.api.ExitTrace;
import io.diffexit.api.ExitTrace.Outcome;
import io.diffexit.api.NoiseSchedule;
import io.diffexit.api.Params;
import io.diffexit.api.ReusePlan;
import io.diffexit.api.Sampler;
import io.diffexit.api.StepInput;
import io.diffexit.api.StepOutcome;
import io.diffexit.api.StepReuseStrategy;
import io.diffexit.api.StrategyContext;
import io.diffexit.harness.ComponentSpec;
import io.diffexit.harness.plugins.Registries;
import io.diffexit.harness.plugins.Registry;
import io.diffexit.samplers.schedule.NoiseSchedules;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The step-reuse strategies through the real runner on tiny U-ViT and U-Net backbones: a cache that is told to
 * recompute equals the full model bit for bit; reuse is charged exactly what runs; decisions per sample do not depend
 * on batch mates; compositions with an exit strategy; every error path.
 */
class StepReuseTest {

  private static final int STEPS = 10;
  private static final NoiseSchedule SCHEDULE = NoiseSchedules.ddpmLinear();

  private static NDManager manager;
  private static Registry registry;
  private static Backbone uvit;
  private static Backbone uvitConvHead;
  private static Backbone unet;

  @BeforeAll
  static void setUp() {
    manager = NDManager.newBaseManager();
    registry = Registries.create(Path.of("no-plugins-here"));
    uvit = registry.backbone("uvit").create(
        Params.parse("height=8,width=8,patch=4,dim=16,depth=5,heads=2"), new BackboneContext(manager, 3));
    uvitConvHead = registry.backbone("uvit").create(
        Params.parse("height=8,width=8,patch=4,dim=16,depth=5,heads=2,head-channels=4,prediction=v"),
        new BackboneContext(manager, 3, SCHEDULE));
    unet = registry.backbone("unet").create(
        Params.parse("height=8,width=8,base=8,mult=1;2,res-blocks=1,attention=false,groups=4"),
        new BackboneContext(manager, 3));
  }

  @AfterAll
  static void tearDown() {
    uvit.close();
    uvitConvHead.close();
    unet.close();
    manager.close();
  }

  private static ExitStrategy strategy(Backbone backbone, String text) {
    ComponentSpec spec = ComponentSpec.parse(text);
    StrategyContext context = new StrategyContext(backbone.spec(), SCHEDULE, manager);
    if (!spec.isComposed()) {
      return registry.strategy(spec.name()).create(spec.params(), context);
    }
    ComponentSpec reuse = spec.parts().get(0);
    ComponentSpec exit = spec.parts().get(1);
    return new ComposedStrategy(
        (StepReuseStrategy) registry.strategy(reuse.name()).create(reuse.params(), context),
        registry.strategy(exit.name()).create(exit.params(), context));
  }

  private static SamplingJob.Result run(Backbone backbone, String text, int samples, int batch, DecisionMode mode) {
    Sampler ddim = registry.sampler("ddim").create(Params.parse("steps=" + STEPS), SCHEDULE);
    try (ExitStrategy s = strategy(backbone, text)) {
      return SamplingJob.run(backbone, new ParameterStore(manager, false), s, ddim, manager,
          new SamplingJob.Settings(samples, batch, 5, mode, 0, new int[0], false), null);
    }
  }

  private static SamplingJob.Result run(Backbone backbone, String text) {
    return run(backbone, text, 4, 4, DecisionMode.PER_SAMPLE);
  }

  private static long segments(BackboneSpec spec, int from, int to) {
    long macs = 0;
    for (int i = from; i <= to; i++) {
      macs += spec.exitPoints().get(i).segmentMacs();
    }
    return macs;
  }

  private static long reusedEntries(ExitTrace trace) {
    return trace.count(Outcome.REUSED);
  }

  // --- a cache told to recompute is the full model ---

  @Test
  void blockCacheAtThresholdZeroIsTheFullModelBitForBit() {
    SamplingJob.Result full = run(uvit, "none");
    SamplingJob.Result cache = run(uvit, "block-cache:threshold=0");
    assertThat(cache.images()).isEqualTo(full.images());
    assertThat(reusedEntries(cache.trace())).isZero();
    assertThat(cache.trace().count(Outcome.RAN)).isEqualTo(4L * STEPS);
    assertThat(cache.cost().total(Category.BACKBONE)).isEqualTo(full.cost().total(Category.BACKBONE));
    assertThat(cache.cost().total(Category.HEAD)).isEqualTo(full.cost().total(Category.HEAD));
    // its own work is still charged: the first-block residual and the refresh of the tail residual, N = 5 tokens × 16
    assertThat(cache.cost().total(Category.CACHE)).isEqualTo(4L * STEPS * (80 + 80));
    // three (tokens × dim) float rows per sample
    assertThat(cache.cost().peakCacheBytes()).isEqualTo(3L * 4 * 80 * 4);
  }

  @Test
  void deepCacheAtIntervalOneIsTheFullModelBitForBit() {
    SamplingJob.Result full = run(unet, "none");
    SamplingJob.Result cache = run(unet, "deepcache:interval=1");
    assertThat(cache.images()).isEqualTo(full.images());
    assertThat(reusedEntries(cache.trace())).isZero();
    assertThat(cache.cost().total()).isEqualTo(full.cost().total());
  }

  @Test
  void stepSkipThatNeverSkipsIsTheFullModelBitForBit() {
    SamplingJob.Result full = run(uvit, "none");
    SamplingJob.Result cache = run(uvit, "step-skip:threshold=0");
    assertThat(cache.images()).isEqualTo(full.images());
    assertThat(reusedEntries(cache.trace())).isZero();
    // two MACs per pixel (8×8) per sample from the third step on
    assertThat(cache.cost().total(Category.CACHE)).isEqualTo(4L * (STEPS - 2) * 2 * 64);
  }

  // --- reuse is charged for what runs, and traced ---

  @Test
  void blockCacheReuseChargesTheFirstBlockAndTheHeadOnly() {
    // warm-up 1, at most one reuse in a row, a threshold every change passes: full, reuse, full, reuse, ...
    SamplingJob.Result r = run(uvit, "block-cache:threshold=1000,max-skips=1,warmup=1");
    BackboneSpec spec = uvit.spec();
    int last = spec.exitPoints().size() - 1;
    long fullSteps = 5;
    long reusedSteps = 5;
    assertThat(r.cost().total(Category.BACKBONE))
        .isEqualTo(4 * (fullSteps * segments(spec, 0, last) + reusedSteps * segments(spec, 0, 0)));
    assertThat(r.cost().total(Category.HEAD)).isEqualTo(4L * STEPS * spec.exitPoints().get(last).headMacs());
    assertThat(r.cost().total(Category.EMBED)).isEqualTo(4L * STEPS * spec.embedMacs());
    // residual every step, comparison (3N) and substitute (N) at reused steps, refresh (N) at full steps
    assertThat(r.cost().total(Category.CACHE)).isEqualTo(4 * (STEPS * 80 + reusedSteps * 4 * 80 + fullSteps * 80));
    for (int step = 0; step < STEPS; step++) {
      for (int b = 0; b < 4; b++) {
        Outcome expected = step % 2 == 1 ? Outcome.REUSED : Outcome.RAN;
        assertThat(r.trace().outcomeAt(step, b)).as("step %d sample %d", step, b).isEqualTo(expected);
        assertThat(r.trace().exitAt(step, b)).isEqualTo(last); // the last head on the substitute
      }
    }
    assertThat(r.trace().reusedFraction()).isEqualTo(0.5);
  }

  @Test
  void deepCacheReuseChargesTheShallowPathOnly() {
    SamplingJob.Result r = run(unet, "deepcache:interval=2,level=1");
    BackboneSpec spec = unet.spec();
    int last = spec.exitPoints().size() - 1;
    ExitPointSpec cached = spec.exitPoints().get(last - 1);
    assertThat(cached.resumeMacs()).isPositive().isLessThan(spec.exitPoints().get(0).segmentMacs());
    long full = segments(spec, 0, last);
    long reused = cached.resumeMacs() + spec.exitPoints().get(last).segmentMacs();
    assertThat(r.cost().total(Category.BACKBONE)).isEqualTo(4 * (5 * full + 5 * reused));
    assertThat(r.cost().total(Category.CACHE)).isZero();
    assertThat(r.trace().reusedFraction()).isEqualTo(0.5);
    assertThat(r.trace().outcomeAt(1, 0)).isEqualTo(Outcome.REUSED);
    assertThat(r.trace().exitAt(1, 0)).isEqualTo(last);
    assertThat(r.cost().peakCacheBytes()).isEqualTo(4L * cached.hiddenShape().size() * 4);
  }

  @Test
  void deepCacheAtLevelOneEqualsRunningTheDecoderOnTheCachedFeaturesByHand() {
    // at a reused step the last decoder level runs on the cached map with the fresh finest encoder skips: with the
    // cached map of the same step (interval 1 vs a resume of the same input) the result is the full model's
    BackboneSpec spec = unet.spec();
    int last = spec.exitPoints().size() - 1;
    try (NDManager m = manager.newSubManager()) {
      ParameterStore ps = new ParameterStore(m, false);
      ai.djl.ndarray.NDArray x = new SeededNoise(1, 0).initial(m, new ai.djl.ndarray.types.Shape(2, 1, 8, 8));
      ai.djl.ndarray.NDArray t = m.full(new ai.djl.ndarray.types.Shape(2), 300f);
      io.diffexit.api.Pass full = unet.begin(ps, x, t, false);
      ai.djl.ndarray.NDArray deep = null;
      for (int i = 0; i <= last; i++) {
        ai.djl.ndarray.NDArray h = full.advance();
        if (i == last - 1) {
          deep = h;
        }
      }
      float[] expected = full.head().toFloatArray();
      io.diffexit.api.Pass resumed = unet.begin(ps, x, t, false);
      resumed.resume(last - 1, deep);
      resumed.advance();
      float[] got = resumed.head().toFloatArray();
      for (int i = 0; i < expected.length; i++) {
        assertThat(got[i]).isCloseTo(expected[i], offset(1e-5f));
      }
    }
  }

  @Test
  void stepSkipReusesTheLastNoiseAndChargesNothingOfTheNetwork() {
    SamplingJob.Result r = run(uvit, "step-skip:threshold=1000,max-skips=2");
    BackboneSpec spec = uvit.spec();
    // steps 0-3 run; then skip, skip, run, skip, skip, run
    long ran = 4 + 2;
    assertThat(r.cost().total(Category.BACKBONE)).isEqualTo(4 * ran * segments(spec, 0, spec.exitPoints().size() - 1));
    assertThat(r.cost().total(Category.EMBED)).isEqualTo(4 * ran * spec.embedMacs());
    assertThat(r.trace().outcomeAt(4, 0)).isEqualTo(Outcome.REUSED);
    assertThat(r.trace().exitAt(4, 0)).isEqualTo(-1);
    assertThat(r.trace().outcomeAt(6, 0)).isEqualTo(Outcome.RAN);
    assertThat(r.trace().reusedFraction()).isEqualTo(0.4);
    // the previous input and the last noise per sample: two 8×8 float images
    assertThat(r.cost().peakCacheBytes()).isEqualTo(4L * 2 * 64 * 4);
  }

  // --- decisions per sample do not depend on batch mates ---

  @Test
  void perSampleReuseDecisionsAndImagesAreTheSameAloneAndInABatch() {
    for (String text : new String[] {
        "block-cache:threshold=0.3,max-skips=2,warmup=1", "step-skip:threshold=0.2", "deepcache:interval=3"}) {
      Backbone backbone = text.startsWith("deepcache") ? unet : uvit;
      SamplingJob.Result together = run(backbone, text, 4, 4, DecisionMode.PER_SAMPLE);
      SamplingJob.Result alone = run(backbone, text, 4, 1, DecisionMode.PER_SAMPLE);
      for (int step = 0; step < STEPS; step++) {
        for (int b = 0; b < 4; b++) {
          assertThat(alone.trace().outcomeAt(step, b)).as("%s step %d sample %d", text, step, b)
              .isEqualTo(together.trace().outcomeAt(step, b));
        }
      }
      for (int i = 0; i < together.images().length; i++) {
        assertThat(alone.images()[i]).as(text).isCloseTo(together.images()[i], offset(1e-4f));
      }
    }
  }

  @Test
  void blockCacheDecidesPerSampleSoSomeSamplesReuseWhileOthersRun() {
    SamplingJob.Result r = run(uvit, "block-cache:threshold=0.3,max-skips=2,warmup=1", 4, 4, DecisionMode.PER_SAMPLE);
    boolean mixed = false;
    for (int step = 0; step < STEPS; step++) {
      long reused = 0;
      for (int b = 0; b < 4; b++) {
        reused += r.trace().outcomeAt(step, b) == Outcome.REUSED ? 1 : 0;
      }
      mixed |= reused > 0 && reused < 4;
    }
    assertThat(mixed).as("a step where batch mates decided differently").isTrue();
  }

  @Test
  void blockCacheOnAConvolutionalVHeadGivesEachReusingSampleItsOwnInputTerms() {
    // the head reads stem features of x and x_t itself (v prediction): a reused subset must get its own samples' rows,
    // not the batch's first ones
    String text = "block-cache:threshold=0.3,max-skips=2,warmup=1";
    SamplingJob.Result together = run(uvitConvHead, text, 4, 4, DecisionMode.PER_SAMPLE);
    SamplingJob.Result alone = run(uvitConvHead, text, 4, 1, DecisionMode.PER_SAMPLE);
    boolean mixed = false;
    for (int step = 0; step < STEPS; step++) {
      long reused = 0;
      for (int b = 0; b < 4; b++) {
        assertThat(alone.trace().outcomeAt(step, b)).isEqualTo(together.trace().outcomeAt(step, b));
        reused += together.trace().outcomeAt(step, b) == Outcome.REUSED ? 1 : 0;
      }
      mixed |= reused > 0 && reused < 4;
    }
    assertThat(mixed).as("a step where only some samples reused").isTrue();
    for (int i = 0; i < together.images().length; i++) {
      assertThat(alone.images()[i]).isCloseTo(together.images()[i], offset(1e-4f));
    }
  }

  @Test
  void perBatchModeReusesTheWholeBatchOrNone() {
    SamplingJob.Result r = run(uvit, "block-cache:threshold=0.3,max-skips=2,warmup=1", 4, 4, DecisionMode.PER_BATCH);
    for (int step = 0; step < STEPS; step++) {
      Outcome first = r.trace().outcomeAt(step, 0);
      for (int b = 1; b < 4; b++) {
        assertThat(r.trace().outcomeAt(step, b)).isEqualTo(first);
      }
    }
  }

  // --- composition with an exit strategy ---

  @Test
  void aCacheThatRecomputesComposedWithFixedExitsIsFixedExitsBitForBit() {
    SamplingJob.Result fixed = run(uvit, "fixed:layer=3");
    SamplingJob.Result composed = run(uvit, "block-cache:threshold=0+fixed:layer=3");
    assertThat(composed.images()).isEqualTo(fixed.images());
    assertThat(composed.trace().count(Outcome.EXITED)).isEqualTo(4L * STEPS);
    assertThat(composed.cost().total(Category.BACKBONE)).isEqualTo(fixed.cost().total(Category.BACKBONE));
  }

  @Test
  void composedBlockCacheReusesStepsAndTheExitStrategyExitsTheOthers() {
    SamplingJob.Result r = run(uvit, "block-cache:threshold=1000,max-skips=1,warmup=1+fixed:layer=3");
    BackboneSpec spec = uvit.spec();
    // full steps exit at layer 3 (exit point 2), reused steps run the first block only
    assertThat(r.cost().total(Category.BACKBONE)).isEqualTo(4 * (5 * segments(spec, 0, 2) + 5 * segments(spec, 0, 0)));
    assertThat(r.trace().outcomeAt(0, 0)).isEqualTo(Outcome.EXITED);
    assertThat(r.trace().exitAt(0, 0)).isEqualTo(2);
    assertThat(r.trace().outcomeAt(1, 0)).isEqualTo(Outcome.REUSED);
    assertThat(r.trace().count(Outcome.REUSED)).isEqualTo(4L * 5);
  }

  @Test
  void deepCacheWithAnExitBeforeTheCachedLevelRunsInFullNextStep() {
    // fixed at the middle block (layer 3 of the 2-level U-Net) exits before the cached map at up4: nothing to reuse
    SamplingJob.Result r = run(unet, "deepcache:interval=3+fixed:layer=3");
    assertThat(r.trace().count(Outcome.REUSED)).isZero();
    assertThat(r.trace().count(Outcome.EXITED)).isEqualTo(4L * STEPS);
  }

  @Test
  void stepSkipComposedWithExitsSkipsCallsAndExitsWithinTheOthers() {
    SamplingJob.Result r = run(uvit, "step-skip:threshold=1000,max-skips=2+fixed:layer=2");
    assertThat(r.trace().count(Outcome.REUSED)).isEqualTo(4L * 4);
    assertThat(r.trace().count(Outcome.EXITED)).isEqualTo(4L * 6);
  }

  // --- error paths ---

  @Test
  void blockCacheRefusesABackboneWhoseFirstAndLastHiddenStatesDiffer() {
    assertThatThrownBy(() -> strategy(unet, "block-cache"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("exit strategy 'block-cache' needs a backbone whose first and last exit points have the same "
            + "hidden shape (a transformer such as uvit); backbone 'unet' has (16, 4, 4) at mid and (8, 8, 8) at up8");
  }

  @Test
  void deepCacheRefusesABackboneThatCannotResumeAndALevelOutOfRange() {
    assertThatThrownBy(() -> strategy(uvit, "deepcache"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("exit strategy 'deepcache' needs a backbone that can resume a pass at an inner exit point "
            + "(such as unet); backbone 'uvit' cannot");
    assertThatThrownBy(() -> strategy(unet, "deepcache:level=3"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("exit strategy 'deepcache': parameter 'level' must be in [1, 2], got 3");
    assertThatThrownBy(() -> strategy(unet, "deepcache:interval=0"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("exit strategy 'deepcache': parameter 'interval' must be in [1, ");
  }

  @Test
  void badReuseParametersAreRefusedWithTheirNames() {
    assertThatThrownBy(() -> strategy(uvit, "block-cache:threshold=-0.1"))
        .hasMessage("exit strategy 'block-cache': parameter 'threshold' must be >= 0, got -0.1");
    assertThatThrownBy(() -> strategy(uvit, "block-cache:max-skips=0"))
        .hasMessageStartingWith("exit strategy 'block-cache': parameter 'max-skips' must be in [1, ");
    assertThatThrownBy(() -> strategy(uvit, "step-skip:treshold=0.1"))
        .hasMessage("exit strategy 'step-skip': unknown parameter 'treshold'; known: [max-skips, threshold]");
  }

  @Test
  void aPlanForAnotherBatchSizeOrANonResumableExitPointFailsNamingTheStrategy() {
    StepReuseStrategy wrongSize = new FixedPlan(ReusePlan.runAll(3, 0));
    assertThatThrownBy(() -> runDirect(uvit, wrongSize))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("step-reuse strategy fixed-plan planned 3 samples at step 0; the batch has 2");
    StepReuseStrategy badResume = new FixedPlan(null) {
      @Override
      public ReusePlan plan(StepInput step) {
        return new ReusePlan(new boolean[] {true, true}, step.x(), 1, 0);
      }
    };
    assertThatThrownBy(() -> runDirect(uvit, badResume))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("step-reuse strategy fixed-plan resumes at exit point 1, where backbone 'uvit' cannot resume a pass");
  }

  @Test
  void passesRefuseResumesTheyCannotMake() {
    try (NDManager m = manager.newSubManager()) {
      ParameterStore ps = new ParameterStore(m, false);
      ai.djl.ndarray.NDArray x = m.zeros(new ai.djl.ndarray.types.Shape(1, 1, 8, 8));
      ai.djl.ndarray.NDArray t = m.zeros(new ai.djl.ndarray.types.Shape(1));
      io.diffexit.api.Pass vit = uvit.begin(ps, x, t, false);
      ai.djl.ndarray.NDArray h = vit.advance();
      assertThatThrownBy(() -> vit.resume(2, h))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("uvit pass: can resume only at the last exit point (4), where no pending skip is needed; got 2");
      io.diffexit.api.Pass net = unet.begin(ps, x, t, false);
      ai.djl.ndarray.NDArray mid = net.advance();
      assertThatThrownBy(() -> net.resume(1, mid))
          .isInstanceOf(IllegalStateException.class)
          .hasMessage("backbone 'unet': resume needs a fresh pass (before the first advance()); this one stands at "
              + "exit point 0");
      io.diffexit.api.Pass fresh = unet.begin(ps, x, t, false);
      assertThatThrownBy(() -> fresh.resume(1, x))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessage("backbone 'unet': a cached state for exit point 1 must have shape (1, 16, 4, 4), got (1, 1, 8, 8)");
    }
  }

  private static void runDirect(Backbone backbone, StepReuseStrategy s) {
    try (NDManager m = manager.newSubManager();
        EarlyExitDenoiser d = new EarlyExitDenoiser(backbone, new ParameterStore(m, false), s,
            DecisionMode.PER_SAMPLE, new io.diffexit.api.CostMeter(1), new ExitTrace(1, 2, 5), 0, null, m)) {
      d.predictNoise(m.zeros(new ai.djl.ndarray.types.Shape(2, 1, 8, 8)),
          m.zeros(new ai.djl.ndarray.types.Shape(2)), 0);
    }
  }

  /** A step-reuse strategy with a given plan, for the runner's error paths. */
  private static class FixedPlan implements StepReuseStrategy {
    private final ReusePlan plan;

    FixedPlan(ReusePlan plan) {
      this.plan = plan;
    }

    @Override
    public String describe() {
      return "fixed-plan";
    }

    @Override
    public ReusePlan plan(StepInput step) {
      return plan;
    }

    @Override
    public long finish(StepOutcome outcome) {
      return 0;
    }

    @Override
    public long cacheBytes() {
      return 0;
    }
  }
}
