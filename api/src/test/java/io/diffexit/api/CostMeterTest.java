package io.diffexit.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.types.Shape;
import io.diffexit.api.CostMeter.Category;
import java.util.List;
import org.junit.jupiter.api.Test;

class CostMeterTest {

  @Test
  void perImageFiguresDivideTheChargedMacsByTheImages() {
    CostMeter m = new CostMeter(2);
    m.charge(Category.EMBED, 0, 40);
    m.charge(Category.BACKBONE, 0, 400);
    m.charge(Category.HEAD, 1, 60);
    m.charge(Category.STRATEGY, 1, 20);
    m.addImages(4);
    assertThat(m.total()).isEqualTo(520);
    assertThat(m.macsPerImage()).isEqualTo(130.0);
    assertThat(m.macsPerImage(Category.BACKBONE)).isEqualTo(100.0);
    assertThat(m.macsPerImageByStep()).containsExactly(110.0, 20.0);

    CostMeter other = new CostMeter(2);
    other.charge(Category.BACKBONE, 1, 80);
    other.addImages(4);
    m.addAll(other);
    assertThat(m.macsPerImage()).isEqualTo(75.0);
  }

  @Test
  void badChargesAreRefused() {
    CostMeter m = new CostMeter(3);
    assertThatThrownBy(() -> m.charge(Category.HEAD, 3, 1)).hasMessage("step 3 outside [0, 3)");
    assertThatThrownBy(() -> m.charge(Category.HEAD, 0, -1)).hasMessage("negative MACs: -1");
    assertThatThrownBy(() -> new CostMeter(0)).hasMessage("a cost meter needs at least one step, got 0");
    assertThatThrownBy(() -> m.addAll(new CostMeter(2))).hasMessage("cannot merge a 2-step meter into a 3-step one");
    assertThat(new CostMeter(1).macsPerImage()).isNaN();
  }

  @Test
  void backboneSpecSumsSegmentsAndTheFinalHead() {
    HiddenLayout l = HiddenLayout.tokens(1, 2, 2, 2, 4);
    BackboneSpec spec = new BackboneSpec("t", Params.empty(), 1, 4, 4, List.of(
        new ExitPointSpec(0, "a", 1, new Shape(5, 4), l, 100, 7),
        new ExitPointSpec(1, "b", 2, new Shape(5, 4), l, 200, 9)), 30, 1000);
    assertThat(spec.fullMacs()).isEqualTo(30 + 100 + 200 + 9);
    assertThat(spec.macsThrough(0)).isEqualTo(130);
    assertThatThrownBy(() -> new BackboneSpec("t", Params.empty(), 1, 4, 4, List.of(), 0, 0))
        .hasMessage("backbone 't' declares no exit points; it needs at least one");
  }

  @Test
  void exitTraceCountsAndRefusesUnknownExitPoints() {
    ExitTrace t = new ExitTrace(1, 3, 2);
    t.record(0, 10, 0, 1);
    t.record(0, 10, 2, 0);
    assertThat(t.histogram(0)).containsExactly(1, 1);
    assertThat(t.exitAt(0, 1)).isEqualTo(-1);
    assertThatThrownBy(() -> t.record(0, 10, 1, 2)).hasMessage("exit point 2 outside [0, 2)");
  }

  @Test
  void apiVersionIsReadFromTheBuild() {
    assertThat(DiffexitApi.version()).isEqualTo(1);
    assertThat(DecisionMode.PER_BATCH.label()).isEqualTo("per-batch");
  }
}
