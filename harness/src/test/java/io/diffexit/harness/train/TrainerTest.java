package io.diffexit.harness.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import io.diffexit.harness.ComponentSpec;
import io.diffexit.harness.train.testkit.Fixtures;
import io.diffexit.harness.train.testkit.TestRegistry;
import io.diffexit.testkit.LinearSchedule;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrainerTest {

  static final TestRegistry REGISTRY = new TestRegistry();
  static final LinearSchedule SCHEDULE = new LinearSchedule(1000);

  static List<float[]> weights(Block block) {
    List<float[]> out = new ArrayList<>();
    block.getParameters().forEach(p -> out.add(p.getValue().getArray().toFloatArray()));
    return out;
  }

  @Test
  void trainingOnFashionMnistReducesTheLoss() {
    try (NDManager m = NDManager.newBaseManager();
        Trainer t = Trainer.create(REGISTRY, ComponentSpec.parse("tiny:channels=8"), SCHEDULE,
            Fixtures.fashionMnist(256), Fixtures.quick(120).withBatch(16).withLr(3e-3).withWarmup(10), m)) {
      List<Double> losses = new ArrayList<>();
      t.trainSteps(120, r -> losses.add(r.loss()));
      double first = losses.subList(0, 20).stream().mapToDouble(d -> d).average().orElseThrow();
      double last = losses.subList(100, 120).stream().mapToDouble(d -> d).average().orElseThrow();
      assertThat(last).isLessThan(0.6 * first);
      assertThat(t.step()).isEqualTo(120);
    }
  }

  @Test
  void stepsLeaveTheRootManagersArrayCountConstant() {
    try (NDManager m = NDManager.newBaseManager();
        Trainer t = Trainer.create(REGISTRY, ComponentSpec.parse("tiny"), SCHEDULE, Fixtures.fashionMnist(32),
            Fixtures.quick(20), m)) {
      t.trainSteps(1, TrainingListener.none());
      int before = m.getManagedArrays().size();
      t.trainSteps(10, TrainingListener.none());
      assertThat(m.getManagedArrays()).hasSize(before);
    }
  }
}
