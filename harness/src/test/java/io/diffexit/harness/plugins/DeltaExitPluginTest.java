package io.diffexit.harness.plugins;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.diffexit.api.BackboneSpec;
import io.diffexit.api.DecisionMode;
import io.diffexit.api.ExitPointSpec;
import io.diffexit.api.ExitStrategy;
import io.diffexit.api.PassInfo;
import io.diffexit.api.ExitStrategyFactory;
import io.diffexit.api.HiddenLayout;
import io.diffexit.api.Params;
import io.diffexit.api.StrategyContext;
import io.diffexit.testkit.FixtureExitPoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example third-party plugin (examples/strategy-plugin) packaged as its pom would, dropped into a plugins folder,
 * found by name, created and run on crafted exit points with real NDArrays.
 */
class DeltaExitPluginTest {

  /** A 1×2×2 "image" and three exit points; heads are given per call. */
  private static final List<ExitPointSpec> EXITS = List.of(exit(0), exit(1), exit(2));

  private static final BackboneSpec BACKBONE =
      new BackboneSpec("crafted", Params.empty(), 1, 2, 2, EXITS, 0, 0);

  @TempDir Path tmp;
  private NDManager manager;
  private Path jar;
  private Registry registry;

  private static ExitPointSpec exit(int index) {
    return new ExitPointSpec(
        index, "e" + index, index + 1, new Shape(1, 2, 2), HiddenLayout.featureMap(1, 2, 2, 1), 10, 4);
  }

  @BeforeEach
  void setUp() throws IOException {
    manager = NDManager.newBaseManager();
    Path plugins = Files.createDirectories(tmp.resolve("plugins"));
    jar = TestPlugins.exampleJar().writeTo(plugins.resolve("diffexit-delta-exit-0.1.0.jar"));
    registry = Registries.create(plugins);
  }

  @AfterEach
  void tearDown() {
    manager.close();
  }

  private ExitStrategy create(String params) {
    ExitStrategyFactory factory = registry.strategy("delta-exit");
    return factory.create(Params.parse(params), new StrategyContext(BACKBONE, null, manager));
  }

  /** Runs decide on exit point {@code index} with these heads (one row of 4 values per sample) and sample ids. */
  private boolean[] decide(
      ExitStrategy strategy, int index, float[][] heads, long[] ids, DecisionMode mode) {
    try (NDManager call = manager.newSubManager()) {
      float[] flat = new float[heads.length * 4];
      for (int i = 0; i < heads.length; i++) {
        System.arraycopy(heads[i], 0, flat, i * 4, 4);
      }
      NDArray head = call.create(flat, new Shape(heads.length, 1, 2, 2));
      // hidden state = head: the strategy only reads heads
      NDArray mask = strategy.decide(FixtureExitPoint.at(BACKBONE, index, head).withHead(head)
          .withSamples(call.create(ids), 3).inMode(mode).ofSteps(1));
      assertThat(mask.getShape()).isEqualTo(new Shape(heads.length));
      return mask.toBooleanArray();
    }
  }

  /** What the runner does before every pass: hand the strategy the pass's manager. */
  private void startPass(ExitStrategy strategy) {
    strategy.startPass(new PassInfo(0, new int[] {0, 1, 2}, -1, manager.newSubManager()));
  }

  @Test
  void samplesByNameThroughTheRunnerLikeABuiltInStrategy() {
    io.diffexit.api.NoiseSchedule schedule = io.diffexit.samplers.schedule.NoiseSchedules.ddpmLinear();
    try (io.diffexit.api.Backbone analytic =
            registry.backbone("analytic").create(
                Params.parse("exit-points=4,error-scale=0.2"), new io.diffexit.api.BackboneContext(manager, 0));
        ExitStrategy strategy =
            registry.strategy("delta-exit").create(
                Params.parse("bound=0.2"), new StrategyContext(analytic.spec(), schedule, manager))) {
      io.diffexit.api.Sampler ddim = registry.sampler("ddim").create(Params.parse("steps=10"), schedule);
      io.diffexit.harness.runner.SamplingJob.Result r =
          io.diffexit.harness.runner.SamplingJob.run(
              analytic, new ai.djl.training.ParameterStore(manager, false), strategy, ddim, manager,
              io.diffexit.harness.runner.SamplingJob.Settings.of(6, 3, 0, DecisionMode.PER_SAMPLE), null);
      assertThat(r.images()).hasSize(6 * 16);
      for (float v : r.images()) {
        assertThat(Float.isFinite(v)).as("finite sample value").isTrue();
      }
      // The plugin exits early somewhere (its heads converge towards the exact last one) and never at exit point 0.
      double mean = r.trace().meanExitLayer(analytic.spec());
      assertThat(mean).isGreaterThan(1.0).isLessThan(4.0);
      for (int step = 0; step < 10; step++) {
        assertThat(r.trace().histogram(step)[0]).isZero();
      }
      // The runner charged the plugin's own work (two sums of squares per sample and exit point after the first).
      assertThat(r.cost().total(io.diffexit.api.CostMeter.Category.STRATEGY)).isPositive();
    }
  }

  @Test
  void theExamplePluginIsFoundByNameWithItsJarAndVersion() {
    assertThat(registry.components())
        .contains(new ComponentInfo(
            "strategy",
            "delta-exit",
            "exit when the exit head's prediction changes by less than a relative L2 bound between consecutive exit"
                + " points (example plugin)",
            jar.toString(),
            "0.1.0"));
    assertThat(registry.strategy("delta-exit").params()).extracting(p -> p.name() + "=" + p.defaultValue())
        .containsExactly("bound=0.05");
    assertThat(registry.problems()).isEmpty();
  }

  @Test
  void exitsSamplesWhoseHeadMovedLessThanTheBoundMatchingThemBySampleId() {
    try (ExitStrategy strategy = create("bound=0.06")) {
      assertThat(strategy.describe()).isEqualTo("delta-exit(bound=0.06)");
      startPass(strategy);
      float[][] first = {{1, 1, 1, 1}, {1, 0, 0, 0}, {2, 2, 2, 2}};
      // Nothing to compare with at the first exit point.
      assertThat(decide(strategy, 0, first, new long[] {0, 1, 2}, DecisionMode.PER_SAMPLE))
          .containsExactly(false, false, false);

      // Relative changes: 0.1 / 2 = 0.05 (exit), 1 / 1 = 1 (stay), 0.1 / 4 = 0.025 (exit).
      float[][] second = {{1, 1, 1, 1.1f}, {2, 0, 0, 0}, {2, 2, 2, 2.1f}};
      assertThat(decide(strategy, 1, second, new long[] {0, 1, 2}, DecisionMode.PER_SAMPLE))
          .containsExactly(true, false, true);

      // Only sample 1 is left: compared with its own previous head (2,0,0,0): 0.01 / 2 = 0.005 (exit). Compared with
      // row 0 of the previous batch it would have moved by about 2.
      float[][] third = {{2.01f, 0, 0, 0}};
      assertThat(decide(strategy, 2, third, new long[] {1}, DecisionMode.PER_SAMPLE)).containsExactly(true);

      // A new pass starts over: no previous head again.
      strategy.endPass();
      startPass(strategy);
      assertThat(decide(strategy, 0, second, new long[] {0, 1, 2}, DecisionMode.PER_SAMPLE))
          .containsExactly(false, false, false);
    }
  }

  @Test
  void perBatchModeComparesTheWholeBatchAndExitsItTogether() {
    float[][] first = {{1, 1, 1, 1}, {1, 0, 0, 0}, {2, 2, 2, 2}};
    float[][] second = {{1, 1, 1, 1.1f}, {2, 0, 0, 0}, {2, 2, 2, 2.1f}};
    long[] ids = {0, 1, 2};
    // Batch: ||Δ||² = 0.01 + 1 + 0.01 = 1.02, ||prev||² = 4 + 1 + 16 = 21; exits when 1.02 <= bound² · 21.
    try (ExitStrategy tight = create("bound=0.2")) { // 0.04 · 21 = 0.84 < 1.02
      startPass(tight);
      decide(tight, 0, first, ids, DecisionMode.PER_BATCH);
      assertThat(decide(tight, 1, second, ids, DecisionMode.PER_BATCH)).containsExactly(false, false, false);
    }
    try (ExitStrategy loose = create("bound=0.25")) { // 0.0625 · 21 = 1.3125 >= 1.02
      startPass(loose);
      decide(loose, 0, first, ids, DecisionMode.PER_BATCH);
      assertThat(decide(loose, 1, second, ids, DecisionMode.PER_BATCH)).containsExactly(true, true, true);
    }
  }

  @Test
  void chargesTwoSumsOfSquaresPerSampleAfterTheFirstExitPoint() {
    try (ExitStrategy strategy = create("")) {
      assertThat(strategy.describe()).isEqualTo("delta-exit(bound=0.05)");
      assertThat(strategy.macsPerDecision(EXITS.get(0))).isZero();
      assertThat(strategy.macsPerDecision(EXITS.get(1))).isEqualTo(8);
    }
  }

  @Test
  void badParametersAreRefusedWithTheStrategysName() {
    assertThatThrownBy(() -> create("bond=0.1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("exit strategy 'delta-exit': unknown parameter 'bond'; known: [bound]");
    assertThatThrownBy(() -> create("bound=-1"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("exit strategy 'delta-exit': parameter 'bound' must be in [0.0, 100.0], got -1");
  }
}
