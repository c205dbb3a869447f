package io.diffexit.harness.runner;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.types.Shape;
import io.diffexit.api.BackboneSpec;
import io.diffexit.api.ExitPointSpec;
import io.diffexit.api.ExitTrace;
import io.diffexit.api.HiddenLayout;
import io.diffexit.api.Params;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExitStatisticsTest {

  @TempDir Path dir;

  private static BackboneSpec spec() {
    HiddenLayout l = HiddenLayout.tokens(1, 2, 2, 2, 4);
    return new BackboneSpec(
        "t", Params.empty(), 1, 4, 4,
        List.of(
            new ExitPointSpec(0, "in0", 1, new Shape(5, 4), l, 10, 1),
            new ExitPointSpec(1, "mid", 2, new Shape(5, 4), l, 10, 1),
            new ExitPointSpec(2, "out0", 3, new Shape(5, 4), l, 10, 1)),
        0, 100);
  }

  @Test
  void meanExitLayerAndCountsPerStepComeFromTheTrace() {
    ExitTrace trace = new ExitTrace(2, 4, 3);
    // step 0 (t=900): exits at 0,0,1,2 -> layers 1,1,2,3 -> mean 1.75
    int[] s0 = {0, 0, 1, 2};
    // step 1 (t=100): all at the last exit point -> mean 3
    for (int b = 0; b < 4; b++) {
      trace.record(0, 900, b, s0[b]);
      trace.record(1, 100, b, 2);
    }
    ExitStatistics stats = ExitStatistics.of(trace, spec());
    assertThat(stats.rows().get(0).meanExitLayer()).isEqualTo(1.75);
    assertThat(stats.rows().get(0).counts()).containsExactly(2, 1, 1);
    assertThat(stats.rows().get(1).meanExitLayer()).isEqualTo(3.0);
    assertThat(stats.rows().get(1).modelTime()).isEqualTo(100.0);
    assertThat(trace.meanExitLayer(spec())).isEqualTo((1.75 * 4 + 3 * 4) / 8);
  }

  @Test
  void csvHasOneColumnPerExitPoint() throws Exception {
    ExitTrace trace = new ExitTrace(1, 2, 3);
    trace.record(0, 500, 0, 1);
    trace.record(0, 500, 1, 2);
    Path csv = dir.resolve("exits.csv");
    ExitStatistics.of(trace, spec()).writeCsv(csv);
    assertThat(Files.readAllLines(csv))
        .containsExactly(
            "step,model_time,mean_exit_layer,exit_in0_layer1,exit_mid_layer2,exit_out0_layer3",
            "0,500.0000,2.5000,0,1,1");
  }
}
