package io.diffexit.strategies.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import io.diffexit.api.BackboneSpec;
import io.diffexit.api.DecisionMode;
import io.diffexit.api.ExitPointSpec;
import io.diffexit.api.ExitStrategy;
import io.diffexit.api.HiddenLayout;
import io.diffexit.api.LayerwiseOutputs;
import io.diffexit.api.ObjectiveValue;
import io.diffexit.api.Params;
import io.diffexit.strategies.NdTestBase;
import io.diffexit.testkit.FixtureExitPoint;
import io.diffexit.testkit.TinySpecs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScheduleStrategyTest extends NdTestBase {

  private static final int D = TinySpecs.D;
  private final ScheduleStrategyFactory factory = new ScheduleStrategyFactory();

  /** Exit layers 2, 4, 6, 8, 10 (depth 10), so rounding up is visible. */
  private static BackboneSpec evenLayers() {
    HiddenLayout layout = HiddenLayout.tokens(1, 2, 2, 2, D);
    List<ExitPointSpec> points = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      points.add(new ExitPointSpec(i, "b" + i, 2 * (i + 1), new ai.djl.ndarray.types.Shape(5, D), layout, 1, 1));
    }
    return new BackboneSpec("even", Params.empty(), 1, 4, 4, points, 0, 0);
  }

  private ScheduleStrategy schedule(String params, BackboneSpec backbone) {
    return (ScheduleStrategy) create(factory, params, backbone);
  }

  @Test
  void tableMapsModelTimeRangesToExitLayersRoundedUp() {
    ScheduleStrategy s = schedule("table=300-700:5;0-300:10;700-1000:3", evenLayers());
    ExitSchedule table = s.schedule();
    assertThat(table.layerAt(0)).isEqualTo(10);
    assertThat(table.layerAt(299.9)).isEqualTo(10);
    assertThat(table.layerAt(300)).isEqualTo(6); // 5 rounds up to 6
    assertThat(table.layerAt(999)).isEqualTo(4); // 3 rounds up to 4
    assertThat(table.layerAt(-0.9)).as("clamped to t = 0").isEqualTo(10);
    assertThat(table.layerAt(1200)).as("clamped to t = T - 1").isEqualTo(4);
    assertThat(s.describe()).isEqualTo("schedule(table: 0-300:10;300-700:6;700-1000:4)");
  }

  @Test
  void eachSampleExitsAtTheExitPointOfItsOwnModelTime() {
    BackboneSpec vit = TinySpecs.vit(5);
    ExitStrategy s = create(factory, "table=0-500:5;500-1000:2", vit);
    NDArray hidden = array(new float[3 * 5 * D], 3, 5, D);
    NDArray times = manager.create(new float[] {10, 600, 999});
    assertThat(bools(s.decide(FixtureExitPoint.at(vit, 1, hidden).withModelTime(times))))
        .containsExactly(false, true, true);
    assertThat(bools(s.decide(FixtureExitPoint.at(vit, 0, hidden).withModelTime(times))))
        .containsExactly(false, false, false);
    // per batch: mean time 536.3 -> layer 2 for all
    FixtureExitPoint batch = FixtureExitPoint.at(vit, 1, hidden).withModelTime(times).inMode(DecisionMode.PER_BATCH);
    assertThat(bools(s.decide(batch))).containsExactly(true, true, true);
  }

  @Test
  void defaultIsALinearRampFromFullDepthToHalfDepth() {
    ScheduleStrategy s = schedule("", TinySpecs.vit(13));
    ExitSchedule ramp = s.schedule();
    // layer(t) = 13 - 6.5 t / 1000, rounded up
    assertThat(ramp.layerAt(0)).isEqualTo(13);
    assertThat(ramp.layerAt(153)).isEqualTo(13); // 12.0055 -> 13
    assertThat(ramp.layerAt(154)).isEqualTo(12); // 11.999 -> 12
    assertThat(ramp.layerAt(999)).isEqualTo(7); // 6.5065 -> 7
    assertThat(s.describe()).startsWith("schedule(linear ramp: 0-154:13;");
  }

  @Test
  void calibrationFileIsInterpolatedAndRoundedUpToExistingExitLayers(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("calib.json");
    Files.writeString(file, "{\n  \"modelTime\": [0, 500, 999],\n  \"meanExitLayer\": [9.2, 5.0, 1.5]\n}\n");
    ExitSchedule s = schedule("from=" + file, evenLayers()).schedule();
    assertThat(s.layerAt(0)).isEqualTo(10); // 9.2 -> 10
    assertThat(s.layerAt(250)).isEqualTo(8); // 7.1 -> 8
    assertThat(s.layerAt(500)).isEqualTo(6); // 5.0 -> 6
    assertThat(s.layerAt(999)).isEqualTo(2); // 1.5 -> 2
  }

  @Test
  void calibrationInSamplerOrderAsExitStatisticsWriteItGivesTheSameSchedule(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("exit-stats.json");
    Files.writeString(file, "{\"exitPointLayers\": [2, 4], \"modelTime\": [999, 500, 0],"
        + " \"meanExitLayer\": [1.5, 5.0, 9.2], \"counts\": [[1, 0]]}");
    ExitSchedule s = schedule("from=" + file, evenLayers()).schedule();
    assertThat(s.layerAt(0)).isEqualTo(10);
    assertThat(s.layerAt(250)).isEqualTo(8);
    assertThat(s.layerAt(999)).isEqualTo(2);
  }

  @Test
  void badCalibrationFilesAreRefusedNamingTheProblem(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("bad.json");
    String owner = "exit strategy 'schedule': calibration file " + file + " ";
    Files.writeString(file, "{\"modelTime\": [0, 500], \"meanExitLayer\": [3]}");
    assertThatThrownBy(() -> create(factory, "from=" + file, evenLayers())).hasMessage(owner
        + "needs equally long, non-empty 'modelTime' and 'meanExitLayer' arrays, got 2 and 1");
    Files.writeString(file, "{\"modelTime\": [0, 700, 500, 900], \"meanExitLayer\": [3, 4, 5, 6]}");
    assertThatThrownBy(() -> create(factory, "from=" + file, evenLayers())).hasMessage(owner
        + "must list 'modelTime' in strictly monotone order, got 700.0 and 500.0 out of order");
    Files.writeString(file, "{\"modelTime\": [0], \"meanExitLayer\": [11]}");
    assertThatThrownBy(() -> create(factory, "from=" + file, evenLayers())).hasMessage(owner
        + "has meanExitLayer 11.0 outside [1, 10]");
    Files.writeString(file, "{\"times\": [0]}");
    assertThatThrownBy(() -> create(factory, "from=" + file, evenLayers())).hasMessage(owner
        + "has no array 'modelTime'; expected {\"modelTime\": [...], \"meanExitLayer\": [...]}");
    Path missing = dir.resolve("missing.json");
    assertThatThrownBy(() -> create(factory, "from=" + missing, evenLayers()))
        .hasMessageStartingWith("exit strategy 'schedule': calibration file " + missing + " cannot be read");
  }

  @Test
  void malformedTablesAreRefusedWithMessagesNamingTheProblem() {
    BackboneSpec b = evenLayers();
    String p = "exit strategy 'schedule': parameter 'table' ";
    assertThatThrownBy(() -> create(factory, "table=0-300:10;300-x:4", b))
        .hasMessage(p + "entry '300-x:4' must look like lo-hi:layer with integers, e.g. 0-300:13");
    assertThatThrownBy(() -> create(factory, "table=0-300:10;400-1000:4", b))
        .hasMessage(p + "leaves model times [300, 400) uncovered; ranges must cover [0, 1000)");
    assertThatThrownBy(() -> create(factory, "table=0-300:10;200-1000:4", b))
        .hasMessage(p + "has overlapping ranges at model time 200 (a range ends at 300)");
    assertThatThrownBy(() -> create(factory, "table=0-300:10;300-900:4", b))
        .hasMessage(p + "must end at T = 1000, but its last range ends at 900");
    assertThatThrownBy(() -> create(factory, "table=100-1000:4", b))
        .hasMessage(p + "leaves model times [0, 100) uncovered; ranges must cover [0, 1000)");
    assertThatThrownBy(() -> create(factory, "table=0-1000:11", b))
        .hasMessage(p + "entry '0-1000:11': layer must be in [1, 10], got 11");
    assertThatThrownBy(() -> create(factory, "table=0-0:4;0-1000:4", b))
        .hasMessage(p + "range 0-0 is empty; write lo-hi with lo < hi");
    assertThatThrownBy(() -> create(factory, "table=0-1000:4,from=x.json", b))
        .hasMessage("exit strategy 'schedule': give either 'table' or 'from', not both");
    assertThatThrownBy(() -> create(factory, "layer=3", b))
        .hasMessage("exit strategy 'schedule': unknown parameter 'layer'; known: [from, table]");
  }

  /** The objective on 2 samples (t = 100, 700) with heads gs.get(i) at the 3 exits of a tiny ViT, and its inputs. */
  private record ObjectiveCase(float[] noise, List<float[]> gs, ObjectiveValue value) {}

  private ObjectiveCase objectiveOnTwoSamples(float[] headWeights) {
    BackboneSpec vit = TinySpecs.vit(3);
    ExitStrategy s = create(factory, "table=0-500:3;500-1000:1", vit);
    float[] noise = randoms(1, 32);
    List<float[]> gs = new ArrayList<>();
    List<NDArray> heads = new ArrayList<>();
    List<NDArray> hidden = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      gs.add(randoms(2 + i, 32));
      heads.add(array(gs.get(i), 2, 1, 4, 4));
      hidden.add(array(new float[2 * 5 * D], 2, 5, D));
    }
    NDArray eps = array(noise, 2, 1, 4, 4);
    NDArray time = manager.create(new float[] {100, 700});
    LayerwiseOutputs outputs = headWeights == null
        ? new LayerwiseOutputs(hidden, heads, eps, time, vit)
        : new LayerwiseOutputs(hidden, heads, eps, time, vit, manager.create(headWeights));
    return new ObjectiveCase(noise, gs, s.objective().orElseThrow().loss(outputs, new ParameterStore(manager, false)));
  }

  @Test
  void objectiveAddsEachSamplesScheduledHeadLossToLSimple() {
    ObjectiveCase c = objectiveOnTwoSamples(null);
    float[] noise = c.noise();
    List<float[]> gs = c.gs();
    // sample 0 at t = 100 -> layer 3 (exit 2); sample 1 at t = 700 -> layer 1 (exit 0)
    double simple = 0;
    double scheduled = 0;
    for (int k = 0; k < 16; k++) {
      simple += (Math.pow(gs.get(2)[k] - noise[k], 2) + Math.pow(gs.get(2)[16 + k] - noise[16 + k], 2)) / 32;
      scheduled += (Math.pow(gs.get(2)[k] - noise[k], 2) + Math.pow(gs.get(0)[16 + k] - noise[16 + k], 2)) / 32;
    }
    ObjectiveValue v = c.value();
    assertThat((double) v.terms().get("simple").getFloat()).isCloseTo(simple, within(1e-5));
    assertThat((double) v.terms().get("scheduled").getFloat()).isCloseTo(scheduled, within(1e-5));
    assertThat((double) v.total().getFloat()).isCloseTo(simple + scheduled, within(1e-5));
  }

  @Test
  void objectiveWeightsEachSamplesScheduledHeadLossByTheTrainersHeadWeights() {
    ObjectiveCase c = objectiveOnTwoSamples(new float[] {0.5f, 2f});
    float[] noise = c.noise();
    List<float[]> gs = c.gs();
    double simple = 0;
    double scheduled = 0;
    for (int k = 0; k < 16; k++) {
      simple += (Math.pow(gs.get(2)[k] - noise[k], 2) + Math.pow(gs.get(2)[16 + k] - noise[16 + k], 2)) / 32;
      // sample 0 (weight 0.5) at exit 2, sample 1 (weight 2) at exit 0; each per-sample mean over 16 pixels, halved
      scheduled += (0.5 * Math.pow(gs.get(2)[k] - noise[k], 2) + 2 * Math.pow(gs.get(0)[16 + k] - noise[16 + k], 2))
          / 32;
    }
    ObjectiveValue v = c.value();
    assertThat((double) v.terms().get("simple").getFloat()).isCloseTo(simple, within(1e-5));
    assertThat((double) v.terms().get("scheduled").getFloat()).isCloseTo(scheduled, within(1e-5));
  }
}
