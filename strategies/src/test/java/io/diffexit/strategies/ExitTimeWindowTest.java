package io.diffexit.strategies;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import io.diffexit.api.BackboneSpec;
import io.diffexit.api.ExitPoint;
import io.diffexit.api.ExitStrategy;
import io.diffexit.api.Params;
import io.diffexit.api.StrategyContext;
import io.diffexit.strategies.berxit.BerxitStrategy;
import io.diffexit.strategies.berxit.BerxitStrategyFactory;
import io.diffexit.strategies.deediff.DeeDiffStrategyFactory;
import io.diffexit.strategies.similarity.SimilarityStrategy;
import io.diffexit.strategies.similarity.SimilarityStrategyFactory;
import io.diffexit.testkit.FixtureExitPoint;
import io.diffexit.testkit.LinearSchedule;
import io.diffexit.testkit.TinySpecs;
import org.junit.jupiter.api.Test;

class ExitTimeWindowTest extends NdTestBase {

  private static final int D = TinySpecs.D;
  private final BackboneSpec vit = TinySpecs.vit(3);

  /** A rule that exits every sample and counts how often it was asked. */
  private static final class AlwaysExit implements ExitStrategy {
    int decisions;
    boolean closed;

    @Override
    public String describe() {
      return "always";
    }

    @Override
    public NDArray decide(ExitPoint point) {
      decisions++;
      return Decisions.uniform(point, true);
    }

    @Override
    public void close() {
      closed = true;
    }
  }

  private ExitStrategy windowed(String times, ExitStrategy rule) {
    return ExitTimeWindow.apply(Params.parse("times=" + times).forOwner("exit strategy 'test'"), rule,
        new StrategyContext(vit, new LinearSchedule(1000), manager));
  }

  private FixtureExitPoint pointAtTimes(float... times) {
    NDArray h = array(randoms(3, times.length * 5 * D), times.length, 5, D);
    return FixtureExitPoint.at(vit, 1, h).withModelTime(manager.create(times));
  }

  @Test
  void samplesOutsideTheWindowRunOnWhateverTheRuleSays() {
    AlwaysExit rule = new AlwaysExit();
    ExitStrategy s = windowed("600-1000", rule);
    // lo is inside, hi is not
    assertThat(bools(s.decide(pointAtTimes(980f, 600f, 599.5f, 100f, 1000f)))).containsExactly(true, true, false,
        false, false);
    assertThat(rule.decisions).isEqualTo(1);
  }

  @Test
  void aPassWhollyOutsideTheWindowDoesNotConsultTheRule() {
    AlwaysExit rule = new AlwaysExit();
    ExitStrategy s = windowed("600-1000", rule);
    assertThat(bools(s.decide(pointAtTimes(500f, 20f)))).containsExactly(false, false);
    assertThat(rule.decisions).isZero();
  }

  @Test
  void withoutTimesTheFactoriesReturnTheirOwnStrategy() {
    assertThat(create(new SimilarityStrategyFactory(), "threshold=0.9", vit)).isInstanceOf(SimilarityStrategy.class);
    assertThat(create(new BerxitStrategyFactory(), "threshold=0.1", vit)).isInstanceOf(BerxitStrategy.class);
  }

  @Test
  void theDynamicStrategiesTakeTimesAndKeepTheirTrainingAndDescription() {
    ExitStrategy deediff = create(new DeeDiffStrategyFactory(), "threshold=0.9,times=600-1000", vit);
    assertThat(deediff).isInstanceOf(ExitTimeWindow.class);
    assertThat(deediff.describe()).startsWith("deediff(").endsWith(" exits only at model time in [600, 1000)");
    assertThat(deediff.trainable()).isPresent();
    assertThat(deediff.objective()).isPresent();
    ExitTimeWindow w = (ExitTimeWindow) create(new BerxitStrategyFactory(), "times=0.5-200.25", vit);
    assertThat(w.window()).isEqualTo(new io.diffexit.api.ModelTimeRange(0.5, 200.25));
    assertThat(w.trainable()).isPresent();
    // similarity with threshold 0 exits wherever it may: here only the sample at t = 900
    ExitStrategy sim = create(new SimilarityStrategyFactory(), "threshold=0,times=600-1000", vit);
    NDArray h = array(randoms(4, 2 * 5 * D), 2, 5, D);
    FixtureExitPoint p = FixtureExitPoint.at(vit, 1, h).withPrevious(h).withModelTime(manager.create(new float[] {900f, 300f}));
    assertThat(bools(sim.decide(p))).containsExactly(true, false);
  }

  @Test
  void aMalformedRangeIsRefusedWithTheFormToUseAndTheRuleIsClosed() {
    AlwaysExit rule = new AlwaysExit();
    assertThatThrownBy(() -> windowed("600", rule))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("exit strategy 'test': parameter 'times' must be a model-time range lo-hi, e.g. 600-1000, got "
            + "'600'");
    assertThat(rule.closed).isTrue();
    assertThatThrownBy(() -> create(new DeeDiffStrategyFactory(), "times=high", vit))
        .hasMessage("exit strategy 'deediff': parameter 'times' must be a model-time range lo-hi, e.g. 600-1000, got "
            + "'high'");
  }

  @Test
  void anEmptyRangeOrOneBeyondTheScheduleIsRefused() {
    assertThatThrownBy(() -> windowed("800-600", new AlwaysExit()))
        .hasMessage("exit strategy 'test': parameter 'times' range 800-600 is empty; write lo-hi with lo < hi");
    assertThatThrownBy(() -> windowed("1200-1500", new AlwaysExit()))
        .hasMessage("exit strategy 'test': parameter 'times' range 1200-1500 starts at or beyond T = 1000, where no "
            + "step is; write lo-hi with lo < 1000");
  }
}
