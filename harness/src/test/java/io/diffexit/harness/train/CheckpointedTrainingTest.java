package io.diffexit.harness.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import io.diffexit.harness.checkpoint.TrainingConfig;
import io.diffexit.api.Backbone;
import io.diffexit.api.ExitStrategy;
import io.diffexit.api.Params;
import io.diffexit.api.Pass;
import io.diffexit.harness.ComponentSpec;
import io.diffexit.harness.UserError;
import io.diffexit.harness.checkpoint.Checkpoint;
import io.diffexit.harness.checkpoint.ModelCard;
import io.diffexit.harness.checkpoint.Weights;
import io.diffexit.harness.train.testkit.Fixtures;
import io.diffexit.harness.train.testkit.TestRegistry;
import io.diffexit.testkit.LinearSchedule;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointedTrainingTest {

  static final TestRegistry REGISTRY = new TestRegistry();
  static final LinearSchedule SCHEDULE = new LinearSchedule(1000);
  static final ComponentSpec TINY = ComponentSpec.parse("tiny:channels=6,depth=3");

  static List<float[]> weights(Block block) {
    List<float[]> out = new ArrayList<>();
    block.getParameters().forEach(p -> out.add(p.getValue().getArray().toFloatArray()));
    return out;
  }

  static float[] output(Backbone backbone, NDManager m) {
    try (NDManager sm = m.newSubManager()) {
      NDArray x = sm.arange(2 * 28 * 28).toType(ai.djl.ndarray.types.DataType.FLOAT32, false)
          .div(2 * 28 * 28f).reshape(new Shape(2, 1, 28, 28));
      Pass pass = backbone.begin(new ParameterStore(sm, false), x, sm.create(new float[] {3f, 700f}), false);
      for (int i = 0; i < pass.exitPoints(); i++) {
        pass.advance();
      }
      return pass.head().toFloatArray();
    }
  }

  @Test
  void resumingAKilledRunRepeatsTheUninterruptedRunBitForBit(@TempDir Path dir) {
    TrainingData data = Fixtures.fashionMnist(20); // batch 8 over 20 images: batches straddle epochs
    TrainingConfig config = Fixtures.quick(6);
    List<float[]> straight;
    List<float[]> straightEma;
    double straightLoss;
    try (NDManager m = NDManager.newBaseManager(); Trainer t = Trainer.create(REGISTRY, TINY, SCHEDULE, data, config, m)) {
      t.trainSteps(6, TrainingListener.none());
      straight = weights(t.backbone().block());
      straightEma = weights(t.emaBackbone().block());
      straightLoss = t.lastLoss();
    }
    Path ck = dir.resolve("run");
    try (NDManager m = NDManager.newBaseManager(); Trainer t = Trainer.create(REGISTRY, TINY, SCHEDULE, data, config, m)) {
      t.trainSteps(3, TrainingListener.none());
      t.saveCheckpoint(ck, "test"); // then the process "dies"
    }
    try (NDManager m = NDManager.newBaseManager(); Trainer t = Trainer.resume(REGISTRY, ck, SCHEDULE, data, 0, m)) {
      assertThat(t.step()).isEqualTo(3);
      t.trainSteps(10, TrainingListener.none()); // stops at the configured 6
      assertThat(t.step()).isEqualTo(6);
      assertThat(weights(t.backbone().block())).containsExactlyElementsOf(straight);
      assertThat(weights(t.emaBackbone().block())).containsExactlyElementsOf(straightEma);
      assertThat(t.lastLoss()).isEqualTo(straightLoss);
    }
  }

  @Test
  void aCooldownAddedOnResumeRepeatsARunPlannedWithItAndMayNotRewriteStepsMade(@TempDir Path dir) {
    TrainingData data = Fixtures.fashionMnist(20);
    List<float[]> straight;
    try (NDManager m = NDManager.newBaseManager();
        Trainer t = Trainer.create(REGISTRY, TINY, SCHEDULE, data, Fixtures.quick(6).withCooldown(3), m)) {
      t.trainSteps(6, TrainingListener.none());
      straight = weights(t.backbone().block());
    }
    Path ck = dir.resolve("run");
    try (NDManager m = NDManager.newBaseManager();
        Trainer t = Trainer.create(REGISTRY, TINY, SCHEDULE, data, Fixtures.quick(4), m)) {
      t.trainSteps(3, TrainingListener.none()); // planned without a cool-down, at constant rate
      t.saveCheckpoint(ck, "test");
    }
    try (NDManager m = NDManager.newBaseManager()) {
      assertThatThrownBy(() -> Trainer.resume(REGISTRY, ck, SCHEDULE, data, c -> c.withSteps(6).withCooldown(4), m))
          .isInstanceOf(UserError.class)
          .hasMessage("checkpoint " + ck.toAbsolutePath().normalize() + " is at step 3, so a cool-down must start"
              + " there or later; --steps 6 --cooldown 4 gives steps − cooldown = 2, which would change the rate of"
              + " steps already made");
      try (Trainer t = Trainer.resume(REGISTRY, ck, SCHEDULE, data, c -> c.withSteps(6).withCooldown(3), m)) {
        assertThat(t.config().cooldown()).isEqualTo(3);
        t.trainSteps(10, TrainingListener.none());
        assertThat(weights(t.backbone().block())).containsExactlyElementsOf(straight);
        t.saveCheckpoint(ck, "test");
      }
      // once it runs, the cool-down cannot move
      assertThatThrownBy(() -> Trainer.resume(REGISTRY, ck, SCHEDULE, data, c -> c.withSteps(8).withCooldown(3), m))
          .isInstanceOf(UserError.class)
          .hasMessageContaining("--steps 8 --cooldown 3 gives steps − cooldown = 5 and the saved cool-down started"
              + " at 3");
    }
  }

  @Test
  void aLoadedCheckpointComputesWhatTheTrainerComputed(@TempDir Path dir) {
    try (NDManager m = NDManager.newBaseManager();
        Trainer t = Trainer.create(REGISTRY, TINY, SCHEDULE, Fixtures.fashionMnist(16), Fixtures.quick(3), m)) {
      t.trainSteps(3, TrainingListener.none());
      t.saveCheckpoint(dir.resolve("ck"), "diffexit train --backbone tiny");
      float[] ema = output(t.emaBackbone(), m);
      float[] training = output(t.backbone(), m);
      assertThat(ema).isNotEqualTo(training);
      try (NDManager lm = NDManager.newBaseManager()) {
        try (Checkpoint ck = Checkpoint.load(dir.resolve("ck"), REGISTRY, lm)) {
          assertThat(ck.weights()).isEqualTo(Weights.EMA);
          assertThat(output(ck.backbone(), lm)).containsExactly(ema);
          assertThat(ck.strategySpec()).isEmpty();
        }
        try (Checkpoint ck = Checkpoint.load(dir.resolve("ck"), REGISTRY, lm, Weights.TRAINING)) {
          assertThat(output(ck.backbone(), lm)).containsExactly(training);
        }
        int before = lm.getManagedArrays().size();
        Checkpoint.load(dir.resolve("ck"), REGISTRY, lm).close();
        assertThat(lm.getManagedArrays()).hasSize(before); // replaced initial arrays are closed
      }
    }
  }

  @Test
  void theModelCardRecordsWhatMadeTheCheckpoint(@TempDir Path dir) {
    TrainingConfig config = Fixtures.quick(4).withWeightDecay(0.05).withGradClip(0.5).withEmaDecay(0.99);
    try (NDManager m = NDManager.newBaseManager();
        Trainer t = Trainer.create(REGISTRY, TINY, SCHEDULE, Fixtures.fashionMnist(16), config, m)) {
      TrainingResult r = t.run(dir.resolve("ck"), "diffexit train --backbone tiny:channels=6", TrainingListener.none());
      ModelCard card = Checkpoint.readCard(dir.resolve("ck"));
      assertThat(r.checkpoint()).isEqualTo(dir.resolve("ck").toAbsolutePath());
      assertThat(card.format()).isEqualTo(ModelCard.FORMAT);
      assertThat(card.backbone().name()).isEqualTo("tiny");
      assertThat(card.backbone().config()).containsEntry("channels", "6").containsEntry("depth", "3");
      assertThat(card.parameterCount()).isEqualTo(t.backbone().spec().parameterCount()).isPositive();
      assertThat(card.macsPerImage()).isEqualTo(t.backbone().spec().fullMacs());
      assertThat(card.schedule()).isEqualTo("linear(beta=1e-4..0.02, T=1000)");
      assertThat(card.timeInput()).isEqualTo("discrete index t in [0, T-1] as float");
      assertThat(card.data()).isEqualTo(
          new ModelCard.DataInfo("fashion-mnist/train[:16]", "/usr/share/datasets/fashion-mnist", "train", 16));
      assertThat(new java.util.ArrayList<>(card.backbone().config().keySet())).isSorted(); // stable card text
      assertThat(card.training()).isEqualTo(new TrainingConfig(
          4, 8, 2e-3, 2, 0.05, 0.99, 0.999, 1e-8, 0.99, 0.5, 7, false, 0, 0, false, 0, null, false, 0));
      assertThat(card.result().stepsDone()).isEqualTo(4);
      assertThat(card.result().finalLoss()).isEqualTo(t.lastLoss());
      assertThat(card.result().lossEma()).isEqualTo(t.smoothedLoss());
      assertThat(card.result().wallSeconds()).isPositive();
      assertThat(card.result().imagesPerSecond()).isPositive();
      assertThat(card.machine().cores()).isEqualTo(Runtime.getRuntime().availableProcessors());
      assertThat(card.machine().jvm()).contains(System.getProperty("java.version"));
      assertThat(card.machine().engine()).startsWith("PyTorch");
      assertThat(card.command()).isEqualTo("diffexit train --backbone tiny:channels=6");
      assertThat(card.strategy()).isNull();
      assertThat(card.parent()).isNull();
      assertThat(Checkpoint.readState(dir.resolve("ck")).orElseThrow().step()).isEqualTo(4);
    }
  }

  @Test
  void runWritesPeriodicCheckpointsAndReportsEveryStep(@TempDir Path dir) {
    List<Integer> written = new ArrayList<>();
    List<Integer> steps = new ArrayList<>();
    TrainingListener listener = new TrainingListener() {
      @Override
      public void stepDone(StepReport report) {
        steps.add(report.step());
        assertThat(report.totalSteps()).isEqualTo(5);
      }

      @Override
      public void checkpointWritten(Path d, int step) {
        written.add(step);
      }
    };
    try (NDManager m = NDManager.newBaseManager();
        Trainer t = Trainer.create(REGISTRY, TINY, SCHEDULE, Fixtures.fashionMnist(16),
            Fixtures.quick(5).withCheckpointEvery(2), m)) {
      t.run(dir.resolve("ck"), "test", listener);
    }
    assertThat(steps).containsExactly(1, 2, 3, 4, 5);
    assertThat(written).containsExactly(2, 4, 5);
  }

  @Test
  void aStopRequestedDuringARunEndsItAfterThatStepAndTheResumedRunMatchesAnUninterruptedOne(@TempDir Path dir) {
    TrainingData data = Fixtures.fashionMnist(20);
    List<float[]> straight;
    try (NDManager m = NDManager.newBaseManager();
        Trainer t = Trainer.create(REGISTRY, TINY, SCHEDULE, data, Fixtures.quick(5), m)) {
      t.trainSteps(5, TrainingListener.none());
      straight = weights(t.emaBackbone().block());
    }
    Path ck = dir.resolve("ck");
    try (NDManager m = NDManager.newBaseManager();
        Trainer t = Trainer.create(REGISTRY, TINY, SCHEDULE, data, Fixtures.quick(5), m)) {
      TrainingListener stopAtTwo = new TrainingListener() {
        @Override
        public void stepDone(StepReport r) {
          if (r.step() == 2) {
            t.requestStop(); // as the CLI's shutdown hook does from its own thread
          }
        }
      };
      TrainingResult r = t.run(ck, "test", stopAtTwo);
      assertThat(r.steps()).isEqualTo(2);
      assertThat(Checkpoint.readCard(ck).result().stepsDone()).isEqualTo(2);
    }
    try (NDManager m = NDManager.newBaseManager(); Trainer t = Trainer.resume(REGISTRY, ck, SCHEDULE, data, 0, m)) {
      t.run(ck, "test", TrainingListener.none());
      assertThat(t.step()).isEqualTo(5);
      assertThat(weights(t.emaBackbone().block())).containsExactlyElementsOf(straight);
    }
  }

  @Test
  void aTimeBudgetStopsTheRunWithAResumableCheckpoint(@TempDir Path dir) {
    try (NDManager m = NDManager.newBaseManager();
        Trainer t = Trainer.create(REGISTRY, TINY, SCHEDULE, Fixtures.fashionMnist(16), Fixtures.quick(50), m)) {
      TrainingResult r = t.run(dir.resolve("ck"), "demo", TrainingListener.none(), java.time.Duration.ZERO);
      assertThat(r.steps()).isEqualTo(1); // the budget is checked after each step
      ModelCard card = Checkpoint.readCard(dir.resolve("ck"));
      assertThat(card.result().stepsDone()).isEqualTo(1);
      assertThat(card.training().steps()).isEqualTo(50);
    }
    try (NDManager m = NDManager.newBaseManager();
        Trainer t = Trainer.resume(REGISTRY, dir.resolve("ck"), SCHEDULE, Fixtures.fashionMnist(16), 0, m)) {
      assertThat(t.step()).isEqualTo(1);
    }
  }

  @Test
  void finetuningWithAFrozenBackboneTrainsOnlyTheStrategy(@TempDir Path dir) {
    Path base = dir.resolve("base");
    try (NDManager m = NDManager.newBaseManager();
        Trainer t = Trainer.create(REGISTRY, TINY, SCHEDULE, Fixtures.fashionMnist(16), Fixtures.quick(2), m)) {
      t.trainSteps(2, TrainingListener.none());
      t.saveCheckpoint(base, "base");
    }
    Path ft = dir.resolve("ft");
    List<float[]> baseEma;
    try (NDManager lm = NDManager.newBaseManager(); Checkpoint ck = Checkpoint.load(base, REGISTRY, lm)) {
      baseEma = weights(ck.backbone().block());
    }
    List<StepReport> reports = new ArrayList<>();
    List<float[]> trainedStrategy;
    try (NDManager m = NDManager.newBaseManager();
        Trainer t = Trainer.finetune(REGISTRY, base, ComponentSpec.parse("tiny-uem:threshold=0.2"), SCHEDULE,
            Fixtures.fashionMnist(16), Fixtures.quick(3).withFreezeBackbone(true), m)) {
      List<float[]> strategyBefore = weights(t.strategy().orElseThrow().trainable().orElseThrow());
      assertThat(t.trainedParameterNames()).allMatch(n -> n.startsWith("strategy/"));
      t.trainSteps(3, reports::add);
      assertThat(weights(t.backbone().block())).containsExactlyElementsOf(baseEma);
      assertThat(weights(t.emaBackbone().block())).containsExactlyElementsOf(baseEma);
      trainedStrategy = weights(t.emaStrategy().orElseThrow().trainable().orElseThrow());
      assertThat(weights(t.strategy().orElseThrow().trainable().orElseThrow()).get(0))
          .isNotEqualTo(strategyBefore.get(0));
      t.saveCheckpoint(ft, "finetune");
    }
    assertThat(reports.get(0).terms()).containsOnlyKeys("simple", "uem");
    try (NDManager lm = NDManager.newBaseManager(); Checkpoint ck = Checkpoint.load(ft, REGISTRY, lm)) {
      // recorded relative to the fine-tune's own folder, so the pair can be moved together
      assertThat(ck.card().parent()).isEqualTo("../base");
      assertThat(ck.card().training().freezeBackbone()).isTrue();
      assertThat(ck.strategySpec().orElseThrow()).hasToString("tiny-uem:threshold=0.2");
      assertThat(weights(ck.backbone().block())).containsExactlyElementsOf(baseEma);
      try (ExitStrategy s = ck.createStrategy(REGISTRY, SCHEDULE, lm, Params.empty()).orElseThrow()) {
        assertThat(s.describe()).isEqualTo("tiny-uem(threshold=0.2)");
        assertThat(weights(s.trainable().orElseThrow())).containsExactlyElementsOf(trainedStrategy);
      }
    }
    try (NDManager m = NDManager.newBaseManager(); Trainer t = Trainer.resume(REGISTRY, ft, SCHEDULE,
        Fixtures.fashionMnist(16), 4, m)) {
      assertThat(t.step()).isEqualTo(3);
      t.trainSteps(1, TrainingListener.none());
      assertThat(weights(t.backbone().block())).containsExactlyElementsOf(baseEma);
    }
  }

  @Test
  void finetuningWithoutFreezingAlsoMovesTheBackbone(@TempDir Path dir) {
    Path base = dir.resolve("base");
    try (NDManager m = NDManager.newBaseManager();
        Trainer t = Trainer.create(REGISTRY, TINY, SCHEDULE, Fixtures.fashionMnist(16), Fixtures.quick(1), m)) {
      t.saveCheckpoint(base, "base");
      try (NDManager m2 = NDManager.newBaseManager();
          Trainer f = Trainer.finetune(REGISTRY, base, ComponentSpec.parse("tiny-uem"), SCHEDULE,
              Fixtures.fashionMnist(16), Fixtures.quick(2), m2)) {
        f.trainSteps(2, TrainingListener.none());
        assertThat(weights(f.backbone().block()).get(0)).isNotEqualTo(weights(t.emaBackbone().block()).get(0));
        assertThat(f.trainedParameterNames()).anyMatch(n -> n.startsWith("backbone/"))
            .anyMatch(n -> n.startsWith("strategy/"));
      }
    }
  }

  @Test
  void resumeRefusesOtherDataAndCheckpointsWithoutState(@TempDir Path dir) {
    Path ck = dir.resolve("ck");
    try (NDManager m = NDManager.newBaseManager();
        Trainer t = Trainer.create(REGISTRY, TINY, SCHEDULE, Fixtures.fashionMnist(16), Fixtures.quick(2), m)) {
      t.saveCheckpoint(ck, "x");
    }
    try (NDManager m = NDManager.newBaseManager()) {
      assertThatThrownBy(() -> Trainer.resume(REGISTRY, ck, SCHEDULE, Fixtures.fashionMnist(24), 0, m))
          .isInstanceOf(UserError.class)
          .hasMessage("checkpoint " + ck.toAbsolutePath() + " was trained on 16 images of fashion-mnist/train[:16] but "
              + "resuming got 24 of fashion-mnist/train[:24]; pass the same --data and --limit");
      assertThatThrownBy(() -> Trainer.resume(REGISTRY, ck, new LinearSchedule(500), Fixtures.fashionMnist(16), 0, m))
          .hasMessage("checkpoint " + ck.toAbsolutePath() + " was trained with noise schedule "
              + "linear(beta=1e-4..0.02, T=1000), not linear(beta=1e-4..0.02, T=500)");
      io.diffexit.harness.checkpoint.CheckpointWriter.deleteTree(ck.resolve("trainer-state"));
      assertThatThrownBy(() -> Trainer.resume(REGISTRY, ck, SCHEDULE, Fixtures.fashionMnist(16), 0, m))
          .hasMessage("checkpoint " + ck.toAbsolutePath() + " cannot be resumed: it has no trainer-state folder");
    }
  }

  @Test
  void finetuneRefusesNothingToTrainAndUnknownStrategies(@TempDir Path dir) {
    Path base = dir.resolve("base");
    try (NDManager m = NDManager.newBaseManager();
        Trainer t = Trainer.create(REGISTRY, TINY, SCHEDULE, Fixtures.fashionMnist(16), Fixtures.quick(1), m)) {
      t.saveCheckpoint(base, "base");
    }
    try (NDManager m = NDManager.newBaseManager()) {
      assertThatThrownBy(() -> Trainer.finetune(REGISTRY, base, ComponentSpec.parse("deediff"), SCHEDULE,
          Fixtures.fashionMnist(16), Fixtures.quick(1), m))
          .hasMessage("Unknown exit strategy 'deediff'; known: [tiny-uem]");
      assertThatThrownBy(() -> Trainer.finetune(REGISTRY, base, ComponentSpec.parse("tiny-uem:treshold=1"),
          SCHEDULE, Fixtures.fashionMnist(16), Fixtures.quick(1), m))
          .hasMessage("exit strategy 'tiny-uem': unknown parameter 'treshold'; known: [threshold]");
      assertThatThrownBy(() -> Trainer.create(REGISTRY, ComponentSpec.parse("tiny:width=3"), SCHEDULE,
          Fixtures.fashionMnist(16), Fixtures.quick(1), m))
          .hasMessage("backbone 'tiny': unknown parameter 'width'; known: [channels, depth]");
      assertThatThrownBy(() -> Trainer.finetune(REGISTRY, base, ComponentSpec.parse("tiny-uem"), SCHEDULE,
          Fixtures.fashionMnist(16), Fixtures.quick(1).withFreezeTrunk(true), m))
          .hasMessage("--freeze-trunk: backbone 'tiny' has no early-exit heads of its own (its exits share the final"
              + " head); give it heads per exit where it offers them (uvit: --backbone-param exit-heads=per-exit),"
              + " use --freeze-backbone, or train the whole backbone");
      assertThat(m.getManagedArrays()).isEmpty(); // failed constructions release what they made
    }
  }
}
