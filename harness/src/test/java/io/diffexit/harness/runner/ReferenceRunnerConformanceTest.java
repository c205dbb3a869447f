package io.diffexit.harness.runner;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import io.diffexit.api.CostMeter;
import io.diffexit.api.CostMeter.Category;
import io.diffexit.api.DecisionMode;
import io.diffexit.api.Denoiser;
import io.diffexit.api.ExitStrategy;
import io.diffexit.api.ExitTrace;
import io.diffexit.api.StepReuseStrategy;
import io.diffexit.api.StrategyContext;
import io.diffexit.harness.ComponentSpec;
import io.diffexit.harness.plugins.Registries;
import io.diffexit.harness.plugins.Registry;
import io.diffexit.testkit.LinearSchedule;
import io.diffexit.testkit.ReferenceRunner;
import io.diffexit.testkit.TinyBackbone;
import io.diffexit.testkit.TinySampling;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The test kit's {@link ReferenceRunner} re-states this module's {@link EarlyExitDenoiser} (the kit cannot depend on
 * the harness, whose tests use it). Here both run every built-in strategy, a composition and both decision modes on
 * the kit's tiny backbone, and must give the same images bit for bit, the same trace and the same costs, so the
 * contract that plugin authors run checks their strategy against the runner the harness really uses.
 */
class ReferenceRunnerConformanceTest {

  private static final int STEPS = 6;
  private static final int[] SAMPLES = {0, 1, 2, 3, 4, 5};
  private static final LinearSchedule SCHEDULE = new LinearSchedule(1000);

  private static NDManager manager;
  private static Registry registry;
  private static TinyBackbone backbone;

  @BeforeAll
  static void setUp() {
    manager = NDManager.newBaseManager();
    registry = Registries.create(Path.of("no-plugins-here"));
    backbone = new TinyBackbone(manager);
  }

  @AfterAll
  static void tearDown() {
    backbone.close();
    manager.close();
  }

  /** A new strategy from the registry; the engine seed is reset so both runners get the same untrained heads. */
  private static ExitStrategy strategy(String text) {
    Engine.getInstance().setRandomSeed(5);
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

  private record Outcome(float[] images, ExitTrace trace, CostMeter cost) {}

  private interface RunnerFactory {
    AutoCloseableDenoiser make(ExitStrategy s, DecisionMode mode, CostMeter meter, ExitTrace trace, NDManager m);
  }

  private interface AutoCloseableDenoiser extends Denoiser, AutoCloseable {
    @Override
    void close();
  }

  private static Outcome run(String text, DecisionMode mode, RunnerFactory runners) {
    CostMeter meter = new CostMeter(STEPS);
    ExitTrace trace = new ExitTrace(STEPS, SAMPLES.length, backbone.spec().exitPoints().size());
    try (NDManager m = manager.newSubManager(); ExitStrategy s = strategy(text)) {
      float[] images;
      try (AutoCloseableDenoiser d = runners.make(s, mode, meter, trace, m)) {
        NDArray x = TinySampling.noise(m, backbone.spec(), SAMPLES, 3);
        images = TinySampling.run(d, x, STEPS, SCHEDULE.trainTimesteps()).toFloatArray();
      }
      return new Outcome(images, trace, meter);
    }
  }

  private static AutoCloseableDenoiser wrap(Denoiser d, AutoCloseable c) {
    return new AutoCloseableDenoiser() {
      @Override
      public NDArray predictNoise(NDArray x, NDArray t, int step) {
        return d.predictNoise(x, t, step);
      }

      @Override
      public void close() {
        try {
          c.close();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
    };
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({
    "none, PER_SAMPLE", "fixed:layer=3, PER_SAMPLE", "schedule, PER_SAMPLE", "similarity:threshold=0.9, PER_SAMPLE",
    "similarity:threshold=0.9, PER_BATCH", "berxit:threshold=0.5, PER_SAMPLE", "berxit:threshold=0.5, PER_BATCH",
    "deediff:threshold=0.5, PER_SAMPLE", "deediff:threshold=0.5, PER_BATCH", "oracle:delta=0.6, PER_SAMPLE", "oracle:delta=0.6, PER_BATCH",
    "block-cache:threshold=0.5, PER_SAMPLE", "block-cache:threshold=0.5, PER_BATCH", "deepcache:interval=2, PER_SAMPLE",
    "step-skip:threshold=0.01, PER_SAMPLE", "block-cache:threshold=0.5+deediff:threshold=0.5, PER_SAMPLE"
  })
  void theKitsRunnerGivesTheHarnessRunnersImagesTraceAndCosts(String strategy, DecisionMode mode) {
    Outcome harness = run(strategy, mode, (s, md, meter, trace, m) -> {
      EarlyExitDenoiser d = new EarlyExitDenoiser(backbone, new ParameterStore(m, false), s, md, meter, trace, 0, null);
      return wrap(d, d);
    });
    Outcome kit = run(strategy, mode, (s, md, meter, trace, m) -> {
      ReferenceRunner d = new ReferenceRunner(backbone, new ParameterStore(m, false), s, md, meter, trace);
      return wrap(d, d);
    });
    assertThat(kit.images()).as("images").containsExactly(harness.images());
    for (int step = 0; step < STEPS; step++) {
      for (int b = 0; b < SAMPLES.length; b++) {
        assertThat(kit.trace().exitAt(step, b)).as("exit, step %d sample %d", step, b)
            .isEqualTo(harness.trace().exitAt(step, b));
        assertThat(kit.trace().outcomeAt(step, b)).isEqualTo(harness.trace().outcomeAt(step, b));
      }
    }
    for (Category c : Category.values()) {
      assertThat(kit.cost().total(c)).as("%s MACs", c).isEqualTo(harness.cost().total(c));
    }
    assertThat(kit.cost().peakCacheBytes()).isEqualTo(harness.cost().peakCacheBytes());
    // not vacuous: every case but the full model exits some samples early or reuses
    if (!strategy.equals("none")) {
      assertThat(harness.trace().meanExitLayer(backbone.spec()) < backbone.spec().exitPoints().size()
          || harness.trace().reusedFraction() > 0).as("%s saves work here", strategy).isTrue();
    }
  }
}
