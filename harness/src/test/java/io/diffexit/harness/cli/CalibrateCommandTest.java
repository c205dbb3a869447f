package io.diffexit.harness.cli;

import io.diffexit.harness.UserError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.diffexit.harness.ComponentSpec;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The threshold search of {@code diffexit calibrate} on known monotone savings, and its experiment line. */
class CalibrateCommandTest {

  @Test
  void bisectionFindsTheValueOfAnIncreasingSavingWithinTheTolerance() {
    List<Double> probes = new ArrayList<>();
    CalibrateCommand.Search s = CalibrateCommand.search(v -> {
      probes.add(v);
      return 0.8 * v; // a cache: a larger threshold saves more
    }, 0, 1, 0.3, 0.001, 20);
    assertThat(s.reached()).isTrue();
    assertThat(s.value()).isCloseTo(0.375, within(0.002));
    assertThat(probes.get(0)).isEqualTo(0.0);
    assertThat(probes.get(1)).isEqualTo(1.0);
    assertThat(probes.get(2)).isEqualTo(0.5);
  }

  @Test
  void bisectionFollowsADecreasingSavingToo() {
    // an exit strategy: a larger certainty threshold exits later and saves less
    CalibrateCommand.Search s = CalibrateCommand.search(v -> 0.6 * (1 - v), 0, 1, 0.3, 0.001, 20);
    assertThat(s.reached()).isTrue();
    assertThat(s.value()).isCloseTo(0.5, within(0.002));
  }

  @Test
  void aTargetBeyondTheEndsOfTheSearchFailsSayingWhatEachEndSaves() {
    assertThatThrownBy(() -> CalibrateCommand.search(v -> 0.2 * v, 0, 1, 0.5, 0.01, 10))
        .isInstanceOf(UserError.class)
        .hasMessage("target 50.0% is not between the savings at the ends of the search: 0 saves 0.0%, 1 saves 20.0%;"
            + " widen --low/--high");
  }

  @Test
  void withTooFewIterationsTheClosestProbeIsReportedAsNotReached() {
    CalibrateCommand.Search s = CalibrateCommand.search(v -> v, 0, 1, 0.3, 0.0001, 2);
    assertThat(s.reached()).isFalse();
    assertThat(s.value()).isEqualTo(0.25);
  }

  @Test
  void theExperimentLinePutsTheExitPartsParametersUnderItsName() {
    assertThat(CalibrateCommand.experimentLine(ComponentSpec.parse("block-cache:threshold=0.07,max-skips=3")))
        .isEqualTo("{type: block-cache, threshold: 0.07, max-skips: 3}");
    assertThat(CalibrateCommand.experimentLine(ComponentSpec.parse("block-cache:threshold=0.07+deediff:threshold=0.7")))
        .isEqualTo("{type: block-cache+deediff, threshold: 0.07, deediff: {threshold: 0.7}}");
    assertThat(CalibrateCommand.format(0.0734219)).isEqualTo("0.07342");
    assertThat(CalibrateCommand.format(0.5)).isEqualTo("0.5");
  }
}
