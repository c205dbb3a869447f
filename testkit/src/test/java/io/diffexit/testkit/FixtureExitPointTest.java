package io.diffexit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.diffexit.api.BackboneSpec;
import io.diffexit.api.CostMeter;
import io.diffexit.api.CostMeter.Category;
import io.diffexit.api.DecisionMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class FixtureExitPointTest {

  private NDManager manager;

  @BeforeEach
  void open() {
    manager = NDManager.newBaseManager();
  }

  @AfterEach
  void close() {
    manager.close();
  }

  @Test
  void defaultsAreAWholePerSampleBatchAtStepZero() {
    BackboneSpec vit = TinySpecs.vit(3);
    FixtureExitPoint p = FixtureExitPoint.at(vit, 1, manager.zeros(new Shape(3, 5, TinySpecs.D)));
    assertThat(p.sampleIds().getDataType()).isEqualTo(DataType.INT64);
    assertThat(p.sampleIds().toLongArray()).containsExactly(0, 1, 2);
    assertThat(p.modelTime().toFloatArray()).containsExactly(500f, 500f, 500f);
    assertThat(p.batchSize()).isEqualTo(3);
    assertThat(p.step()).isZero();
    assertThat(p.steps()).isEqualTo(10);
    assertThat(p.mode()).isEqualTo(DecisionMode.PER_SAMPLE);
    assertThat(p.spec().name()).isEqualTo("b2");
    assertThat(p.previousHidden()).isEmpty();
    assertThat(p.passInput()).isEmpty();
    assertThatThrownBy(p::head).hasMessage("this fixture exit point has no head; give one with withHead");
  }

  @Test
  void theHeadIsChargedOnceForEveryActiveSampleLikeTheRunnersExitPoint() {
    BackboneSpec vit = TinySpecs.vit(3);
    CostMeter meter = new CostMeter(10);
    NDArray head = manager.zeros(new Shape(2, 1, 4, 4));
    FixtureExitPoint p = FixtureExitPoint.at(vit, 2, manager.zeros(new Shape(2, 5, TinySpecs.D)))
        .withHead(head).atStep(4).chargingTo(meter);
    assertThat(p.headEvaluated()).isFalse();
    assertThat(p.head()).isSameAs(head);
    assertThat(p.head()).isSameAs(head);
    assertThat(p.headCalls()).isEqualTo(2);
    // 50 MACs per sample, two samples, charged once
    assertThat(meter.total(Category.HEAD)).isEqualTo(100);
    assertThat(meter.totalAtStep(4)).isEqualTo(100);
  }

  @Test
  void copiesLeaveTheOriginalUnchanged() {
    BackboneSpec unet = TinySpecs.unet();
    FixtureExitPoint p = FixtureExitPoint.at(unet, 0, manager.zeros(new Shape(1, 6, 4, 4)));
    FixtureExitPoint q = p.inMode(DecisionMode.PER_BATCH).ofSteps(3).withSamples(manager.create(new long[] {4}), 6);
    assertThat(p.mode()).isEqualTo(DecisionMode.PER_SAMPLE);
    assertThat(q.mode()).isEqualTo(DecisionMode.PER_BATCH);
    assertThat(q.steps()).isEqualTo(3);
    assertThat(q.batchSize()).isEqualTo(6);
    assertThat(p.batchSize()).isEqualTo(1);
    assertThatThrownBy(() -> FixtureExitPoint.at(unet, 3, manager.zeros(new Shape(1, 6, 4, 4))))
        .hasMessage("exit point 3 outside [0, 3) of backbone 'tiny-unet'");
  }
}
