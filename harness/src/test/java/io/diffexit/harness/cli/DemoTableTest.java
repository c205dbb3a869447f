package io.diffexit.harness.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.diffexit.api.Backbone;
import io.diffexit.api.BackboneContext;
import io.diffexit.api.CostMeter;
import io.diffexit.api.DecisionMode;
import io.diffexit.api.ExitTrace;
import io.diffexit.api.Params;
import io.diffexit.harness.plugins.Registries;
import io.diffexit.harness.runner.SamplingJob;
import io.diffexit.harness.sampling.SampleReport;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The demo's side-by-side table: speed-up from full passes when the runs were paced, else from milliseconds. */
class DemoTableTest {

  private static SampleReport report(Backbone backbone, double batchSeconds, List<Double> fullPass, int exit) {
    int exits = backbone.spec().exitPoints().size();
    ExitTrace trace = new ExitTrace(1, 2, exits);
    trace.record(0, 500, 0, exit);
    trace.record(0, 500, 1, exit);
    CostMeter cost = new CostMeter(1);
    cost.charge(CostMeter.Category.BACKBONE, 0, 2 * 100);
    cost.addImages(2);
    SamplingJob.Result r = new SamplingJob.Result(new float[2 * 9], 2, 1, 3, 3, trace, cost, List.of(batchSeconds),
        fullPass, List.of());
    return new SampleReport("ck", backbone.spec(), "s" + exit, false, "ddim", "linear", DecisionMode.PER_SAMPLE, 0, 2,
        "cpu()", 1, r);
  }

  @Test
  void speedUpComesFromFullPassesWhenPacedAndFromMillisecondsOtherwise() {
    try (NDManager manager = NDManager.newBaseManager();
        Backbone backbone = Registries.create(Path.of("no-plugins-here")).backbone("analytic").create(
            Params.parse("exit-points=4,height=3,width=3"), new BackboneContext(manager, 0))) {
      // none: 1.0 s for the batch, a full pass took 20 ms -> 50 passes. The cell ran while the machine was twice as
      // slow: 1.2 s, full pass 40 ms -> 30 passes. Speed-up 50/30 = 1.67x; in milliseconds it would be 1/1.2 = 0.83x.
      SampleReport none = report(backbone, 1.0, List.of(0.02), 3);
      SampleReport cell = report(backbone, 1.2, List.of(0.04), 1);
      assertThat(cell.result().fullPasses()).isCloseTo(30.0, org.assertj.core.data.Offset.offset(1e-9));
      String paced = DemoCommand.table(List.of(none, cell));
      assertThat(paced.lines().toList().get(0)).contains("ms/img", "passes", "speed-up");
      assertThat(paced.lines().toList().get(2)).contains(" 600.00 ", " 30.0 ", " 1.67x ");
      String unpaced = DemoCommand.table(List.of(report(backbone, 1.0, List.of(), 3), report(backbone, 1.2, List.of(), 1)));
      assertThat(unpaced.lines().toList().get(2)).contains(" 600.00 ", " — ", " 0.83x ");
    }
  }

  @Test
  void theDemosFixedExitsAreTheUNetsFourteenAndSevenPixelLevels() {
    try (NDManager manager = NDManager.newBaseManager();
        Backbone unet = Registries.create(Path.of("no-plugins-here")).backbone("unet").create(
            Params.parse("base=4,res-blocks=1,groups=2"), new BackboneContext(manager, 0))) {
      // exit points mid@4, up7@5, up14@6, up28@7: 85% of 7 layers rounds to 6, 70% to 5
      assertThat(DemoCommand.fixedExits(unet.spec())).containsExactly("fixed:layer=6", "fixed:layer=5");
    }
  }
}
