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
import io.diffexit.harness.plugins.Registries;
import io.diffexit.harness.plugins.Registry;
import io.diffexit.samplers.schedule.NoiseSchedules;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The pace probe of latency measurements: one full-depth call per batch, outside the batch's clock, leaving no trace. */
class FullPassProbeTest {

  private static final NoiseSchedule SCHEDULE = NoiseSchedules.ddpmLinear();
  private static NDManager manager;
  private static Registry registry;
  private static Backbone backbone;

  @BeforeAll
  static void setUp() {
    manager = NDManager.newBaseManager();
    registry = Registries.create(Path.of("no-plugins-here"));
    backbone = registry.backbone("analytic").create(
        Params.parse("exit-points=4,error-scale=0.3,height=3,width=3"), new BackboneContext(manager, 0));
  }

  @AfterAll
  static void tearDown() {
    backbone.close();
    manager.close();
  }

  private static SamplingJob.Result sample(boolean pace) {
    Sampler sampler = registry.sampler("ddim").create(Params.parse("steps=4"), SCHEDULE);
    try (ExitStrategy strategy = registry.strategy("fixed").create(
        Params.parse("layer=2"), new StrategyContext(backbone.spec(), SCHEDULE, manager))) {
      return SamplingJob.run(backbone, new ParameterStore(manager, false), strategy, sampler, manager,
          new SamplingJob.Settings(5, 2, 3, DecisionMode.PER_SAMPLE, 0, new int[0], true, pace), null);
    }
  }

  @Test
  void pacedRunTimesOneFullPassAfterEachBatchAndChangesNothingElse() {
    SamplingJob.Result paced = sample(true);
    SamplingJob.Result plain = sample(false);
    assertThat(paced.fullPassSeconds()).hasSize(3).allSatisfy(s -> assertThat(s).isPositive());
    assertThat(plain.fullPassSeconds()).isEmpty();
    assertThat(paced.batchSeconds()).hasSize(3);
    assertThat(paced.images()).containsExactly(plain.images());
    assertThat(paced.cost().macsPerImage()).isEqualTo(plain.cost().macsPerImage());
    for (int step = 0; step < 4; step++) {
      for (int b = 0; b < 5; b++) {
        assertThat(paced.trace().exitAt(step, b)).isEqualTo(plain.trace().exitAt(step, b)).isEqualTo(1);
      }
    }
  }

  @Test
  void probeReturnsTheTimeOfOneCallAndReleasesItsArrays() {
    try (NDManager scope = manager.newSubManager()) {
      double seconds = new FullPassProbe(backbone, new ParameterStore(scope, false)).seconds(scope, 3);
      assertThat(seconds).isPositive().isLessThan(FullPassProbe.MIN_NANOS / 1e9 * FullPassProbe.MAX_CALLS);
      assertThat(scope.getManagedArrays()).isEmpty();
    }
  }
}
