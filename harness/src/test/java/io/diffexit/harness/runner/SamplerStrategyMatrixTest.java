package io.diffexit.harness.runner;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import io.diffexit.api.Backbone;
import io.diffexit.api.BackboneContext;
import io.diffexit.api.DecisionMode;
import io.diffexit.api.ExitStrategy;
import io.diffexit.api.NoiseSchedule;
import io.diffexit.api.Params;
import io.diffexit.api.Sampler;
import io.diffexit.api.StrategyContext;
import io.diffexit.harness.ComponentSpec;
import io.diffexit.harness.plugins.Registries;
import io.diffexit.harness.plugins.Registry;
import io.diffexit.samplers.schedule.NoiseSchedules;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every built-in sampler with every built-in strategy, through the real runner, on the {@code analytic} backbone
 * (exact Gaussian ε with known errors at earlier exit points): samples are finite, every sample has an exit at every
 * step, and a sample's whole trajectory (sampler history included) is the same alone as in a batch where the others
 * exit elsewhere.
 */
class SamplerStrategyMatrixTest {

  private static final String[] SAMPLERS = {
    "ddim:steps=8", "ddim:steps=8,eta=1", "ddpm:steps=8", "sde-euler:steps=8", "ode-euler:steps=8",
    "dpm-solver-2m:steps=8"
  };
  private static final String[] STRATEGIES = {
    "none", "fixed:layer=2", "similarity:threshold=0.9", "schedule", "oracle:delta=0.05", "deediff:threshold=0.5",
    "berxit:threshold=0.5"
  };

  private static NDManager manager;
  private static Registry registry;
  private static Backbone backbone;
  private static final NoiseSchedule SCHEDULE = NoiseSchedules.ddpmLinear();

  @BeforeAll
  static void setUp() {
    manager = NDManager.newBaseManager();
    registry = Registries.create(Path.of("no-plugins-here"));
    backbone =
        registry.backbone("analytic").create(
            Params.parse("exit-points=4,error-scale=0.3,height=3,width=3"), new BackboneContext(manager, 0));
  }

  @AfterAll
  static void tearDown() {
    backbone.close();
    manager.close();
  }

  static Stream<Arguments> matrix() {
    return Stream.of(SAMPLERS).flatMap(s -> Stream.of(STRATEGIES).map(e -> Arguments.of(s, e)));
  }

  private static SamplingJob.Result sample(String samplerSpec, String strategySpec, int samples, int batch) {
    ComponentSpec s = ComponentSpec.parse(samplerSpec);
    ComponentSpec e = ComponentSpec.parse(strategySpec);
    ai.djl.engine.Engine.getInstance().setRandomSeed(7); // untrained UEM/LTE weights: same for both runs
    Sampler sampler = registry.sampler(s.name()).create(s.params(), SCHEDULE);
    try (ExitStrategy strategy =
        registry.strategy(e.name()).create(e.params(), new StrategyContext(backbone.spec(), SCHEDULE, manager))) {
      return SamplingJob.run(
          backbone, new ParameterStore(manager, false), strategy, sampler, manager,
          new SamplingJob.Settings(samples, batch, 11, DecisionMode.PER_SAMPLE, 0, new int[0], false), null);
    }
  }

  @ParameterizedTest(name = "{0} with {1}")
  @MethodSource("matrix")
  void everySamplerRunsWithEveryStrategyAndTrajectoriesDoNotDependOnBatchMates(String sampler, String strategy) {
    SamplingJob.Result together = sample(sampler, strategy, 4, 4);
    SamplingJob.Result alone = sample(sampler, strategy, 4, 1);
    for (float v : together.images()) {
      assertThat(Float.isFinite(v)).as("finite sample value").isTrue();
    }
    for (int step = 0; step < together.trace().steps(); step++) {
      for (int b = 0; b < 4; b++) {
        assertThat(together.trace().exitAt(step, b)).isBetween(0, 3);
        assertThat(alone.trace().exitAt(step, b)).isEqualTo(together.trace().exitAt(step, b));
      }
    }
    for (int i = 0; i < together.images().length; i++) {
      assertThat(alone.images()[i]).isCloseTo(together.images()[i], org.assertj.core.data.Offset.offset(1e-4f));
    }
    assertThat(together.cost().macsPerImage()).isPositive();
  }
}
