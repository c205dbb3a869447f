package io.diffexit.harness.runner;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PaceCheckTest {

  @Test
  void aSteadyFullDepthRunSaysNothing() {
    assertThat(PaceCheck.fullDepthRun("none", 50.8, 50)).isEmpty(); // the README's demo run
    assertThat(PaceCheck.fullDepthRun("none", 59.3, 50)).isEmpty(); // the bench at batch 1
    assertThat(PaceCheck.fullDepthRun("none", 40.0, 50)).as("0.8 x 50, inclusive").isEmpty();
    assertThat(PaceCheck.fullDepthRun("none", Double.NaN, 50)).as("not paced").isEmpty();
  }

  @Test
  void aRunFarFromOnePassPerCallIsNamedWithTheFigures() {
    // the demo on a busy 2-core machine with spinning OpenMP workers: 98.8 passes for DDIM-50
    assertThat(PaceCheck.fullDepthRun("none(full depth)", 98.8, 50)).contains("timing disturbed: none(full depth) at"
        + " full depth cost 98.8 full passes for 50 denoiser calls (a steady machine gives 40-65); the machine's"
        + " speed changed during the run, so its speed-ups are unreliable (MACs, exits and images are not): rerun on"
        + " a quieter machine, or with DIFFEXIT_THREADS=1");
    assertThat(PaceCheck.fullDepthRun("none", 39.9, 50)).isPresent();
    assertThat(PaceCheck.fullDepthRun("none", 26.1, 20)).isPresent();
  }
}
