package io.diffexit.samplers.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Timestep lists against diffusers' set_timesteps (references printed with numpy exactly as diffusers computes them). */
class TimestepSpacingTest {

  private static final String OWNER = "sampler 'x'";

  @Test
  void ddimLeadingFiftyStepsRunFrom980DownToZero() {
    int[] ts = TimestepSpacing.LEADING.ddim(OWNER, 1000, 50, 0);
    assertThat(ts).isEqualTo(IntStream.iterate(980, t -> t - 20).limit(50).toArray());
    assertThat(TimestepSpacing.LEADING.ddim(OWNER, 1000, 50, 1)[0]).isEqualTo(981);
  }

  @Test
  void ddimTrailingFiftyStepsRunFrom999DownTo19() {
    int[] ts = TimestepSpacing.TRAILING.ddim(OWNER, 1000, 50, 0);
    assertThat(ts).isEqualTo(IntStream.iterate(999, t -> t - 20).limit(50).toArray());
    assertThat(ts[49]).isEqualTo(19);
    // np.round(np.arange(1000, 0, -1000/16)) - 1: the .5 cases round half to even
    assertThat(TimestepSpacing.TRAILING.ddim(OWNER, 1000, 16, 0))
        .containsExactly(999, 937, 874, 811, 749, 687, 624, 561, 499, 437, 374, 311, 249, 187, 124, 61);
    assertThat(TimestepSpacing.TRAILING.ddim(OWNER, 1000, 7, 0)).containsExactly(999, 856, 713, 570, 428, 285, 142);
  }

  @Test
  void ddimLinspaceRoundsAnEvenGridOverAllTimesteps() {
    assertThat(TimestepSpacing.LINSPACE.ddim(OWNER, 1000, 20, 0)).containsExactly(
        999, 946, 894, 841, 789, 736, 684, 631, 578, 526, 473, 421, 368, 315, 263, 210, 158, 105, 53, 0);
    assertThat(TimestepSpacing.LINSPACE.ddim(OWNER, 1000, 7, 0)).containsExactly(999, 832, 666, 500, 333, 166, 0);
  }

  @Test
  void dpmSolverLinspaceTwentyStepsRunFrom999DownTo50() {
    assertThat(TimestepSpacing.LINSPACE.dpmSolver(OWNER, 1000, 20, 0)).containsExactly(
        999, 949, 899, 849, 799, 749, 699, 649, 599, 549, 500, 450, 400, 350, 300, 250, 200, 150, 100, 50);
    assertThat(TimestepSpacing.LINSPACE.dpmSolver(OWNER, 1000, 7, 0)).containsExactly(999, 856, 714, 571, 428, 285, 143);
  }

  @Test
  void dpmSolverLeadingAndTrailingFollowDiffusers() {
    assertThat(TimestepSpacing.LEADING.dpmSolver(OWNER, 1000, 20, 0)).containsExactly(
        940, 893, 846, 799, 752, 705, 658, 611, 564, 517, 470, 423, 376, 329, 282, 235, 188, 141, 94, 47);
    assertThat(TimestepSpacing.LEADING.dpmSolver(OWNER, 1000, 7, 0)).containsExactly(875, 750, 625, 500, 375, 250, 125);
    assertThat(TimestepSpacing.TRAILING.dpmSolver(OWNER, 1000, 20, 0))
        .isEqualTo(IntStream.iterate(999, t -> t - 50).limit(20).toArray());
  }

  @Test
  void everySpacingUsesAllTimestepsWhenStepsEqualT() {
    int[] all = IntStream.iterate(999, t -> t - 1).limit(1000).toArray();
    for (TimestepSpacing s : TimestepSpacing.values()) {
      assertThat(s.ddim(OWNER, 1000, 1000, 0)).isEqualTo(all);
    }
  }

  @Test
  void badStepCountsAndSpacingsGetClearMessages() {
    assertThatThrownBy(() -> TimestepSpacing.LEADING.ddim(OWNER, 1000, 0, 0))
        .hasMessage("sampler 'x': parameter 'steps' must be at least 1, got 0");
    assertThatThrownBy(() -> TimestepSpacing.LEADING.ddim(OWNER, 1000, 1001, 0))
        .hasMessage("sampler 'x': parameter 'steps' = 1001 exceeds the schedule's 1000 training timesteps;"
            + " use at most 1000");
    assertThatThrownBy(() -> TimestepSpacing.LEADING.ddim(OWNER, 1000, 50, 30))
        .hasMessage("sampler 'x': spacing 'leading' with 50 steps gives timestep 1010 outside [0, 999];"
            + " lower 'steps-offset' or 'steps'");
    assertThatThrownBy(() -> TimestepSpacing.LINSPACE.dpmSolver(OWNER, 1000, 1000, 0))
        .hasMessageStartingWith("sampler 'x': spacing 'linspace' with 1000 steps repeats timestep");
    assertThatThrownBy(() -> TimestepSpacing.parse(OWNER, "uniform"))
        .hasMessage("sampler 'x': parameter 'spacing' must be one of [leading, trailing, linspace], got 'uniform'");
  }
}
