package io.diffexit.harness.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.diffexit.api.Backbone;
import io.diffexit.api.Pass;
import io.diffexit.harness.ComponentSpec;
import io.diffexit.harness.UserError;
import io.diffexit.harness.checkpoint.Checkpoint;
import io.diffexit.harness.checkpoint.Weights;
import io.diffexit.harness.plugins.Registries;
import io.diffexit.harness.plugins.Registry;
import io.diffexit.harness.train.testkit.Fixtures;
import io.diffexit.samplers.schedule.NoiseSchedules;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A U-ViT trained with the shared head is fine-tuned with a head per exit ({@code exit-heads=per-exit}) over its
 * frozen trunk and final head.
 */
class UVitPerExitFinetuneTest {

  static final Registry REGISTRY = Registries.create(Path.of("no-plugins-folder"));
  static final ComponentSpec TINY_UVIT =
      ComponentSpec.parse("uvit:dim=16,depth=3,heads=2,patch=7,head-channels=2,prediction=v");
  static final Map<String, String> PER_EXIT = Map.of("exit-heads", "per-exit");

  @Test
  void theExitHeadsStartAsCopiesOfTheSharedHeadSoEveryExitPredictsWhatTheBasesDid(@TempDir Path dir) {
    try (NDManager m = NDManager.newBaseManager()) {
      trainBase(dir.resolve("base"), m);
      try (Checkpoint base = Checkpoint.load(dir.resolve("base"), REGISTRY, m);
          Checkpoint own = Checkpoint.load(dir.resolve("base"), REGISTRY, m, Weights.EMA, PER_EXIT)) {
        assertThat(own.card().backbone().config()).containsEntry("exit-heads", "per-exit");
        assertThat(own.backbone().earlyExitHeadParameters()).isNotEmpty();
        NDArray x = m.randomNormal(new Shape(2, 1, 28, 28));
        NDArray t = m.create(new float[] {50, 800});
        List<float[]> a = exits(base.backbone(), x, t, m);
        List<float[]> b = exits(own.backbone(), x, t, m);
        for (int i = 0; i < a.size(); i++) {
          assertThat(b.get(i)).as("exit %d", i).isEqualTo(a.get(i));
        }
      }
    }
  }

  @Test
  void freezingTheTrunkTrainsOnlyTheExitHeadsAndTheStrategyAndKeepsTheFullModel(@TempDir Path dir) {
    var schedule = NoiseSchedules.ddpmLinear();
    try (NDManager m = NDManager.newBaseManager()) {
      trainBase(dir.resolve("base"), m);
      Map<String, float[]> before;
      try (Checkpoint ck = Checkpoint.load(dir.resolve("base"), REGISTRY, m)) {
        before = Fixtures.parameters(ck.backbone().block());
      }
      List<String> heads;
      try (Trainer f = Trainer.finetune(REGISTRY, dir.resolve("base"), PER_EXIT, ComponentSpec.parse("deediff"),
          schedule, Fixtures.fashionMnist(16), Fixtures.quick(2).withFreezeTrunk(true), m)) {
        heads = f.trainedParameterNames().stream().filter(n -> n.startsWith("backbone/")).toList();
        assertThat(heads).isNotEmpty().allMatch(n -> n.matches("backbone/\\d+head_(in|mid)\\d*_.*"));
        assertThat(f.trainedParameterNames()).anyMatch(n -> n.startsWith("strategy/"));
        f.run(dir.resolve("ft"), "finetune", TrainingListener.none());
      }
      try (Checkpoint ck = Checkpoint.load(dir.resolve("ft"), REGISTRY, m)) {
        assertThat(ck.card().backbone().config()).containsEntry("exit-heads", "per-exit");
        Map<String, float[]> after = Fixtures.parameters(ck.backbone().block());
        for (String name : before.keySet()) { // trunk, stem and final head: the base's, bit for bit
          assertThat(after.get(name)).as(name).isEqualTo(before.get(name));
        }
        assertThat(heads).anyMatch(n -> n.endsWith("decoder_pred_weight"))
            .allSatisfy(n -> assertThat(after).containsKey(n.substring("backbone/".length())));
        String decoder = heads.stream().filter(n -> n.endsWith("decoder_pred_weight")).findFirst().orElseThrow()
            .substring("backbone/".length());
        String source = ck.backbone().inheritedParameters().get(decoder);
        assertThat(after.get(decoder)).isNotEqualTo(before.get(source)); // trained away from the shared head
      }
    }
  }

  @Test
  void distillingMakesTheFullModelEveryHeadsTargetSoOnlyTheExitsPayAndItIsRecorded(@TempDir Path dir) {
    try (NDManager m = NDManager.newBaseManager()) {
      trainBase(dir.resolve("base"), m);
      Map<String, Double> plain = firstStepTerms(dir, "plain", false, m);
      Map<String, Double> distilled = firstStepTerms(dir, "distilled", true, m);
      assertThat(plain.get("simple")).isPositive();
      assertThat(distilled.get("simple")).isZero(); // the final head against itself
      // the exits start as copies of the shared head: nearer the full model's eps than the sampled noise
      assertThat(distilled.get("ual")).isPositive().isLessThan(plain.get("ual"));
      assertThat(Checkpoint.readCard(dir.resolve("distilled")).training().distill()).isTrue();
      assertThat(Checkpoint.readCard(dir.resolve("plain")).training().distill()).isFalse();
    }
  }

  @Test
  void aSampledRunTrainsOnlyTheDrawnExitHeadsRecordsItAndResumesBitForBit(@TempDir Path dir) {
    var schedule = NoiseSchedules.ddpmLinear();
    try (NDManager m = NDManager.newBaseManager()) {
      trainBase(dir.resolve("base"), m);
      var config = Fixtures.quick(4).withFreezeTrunk(true).withExitSample(1);
      Map<String, float[]> straight;
      try (Trainer f = Trainer.finetune(REGISTRY, dir.resolve("base"), PER_EXIT, ComponentSpec.parse("deediff"),
          schedule, Fixtures.fashionMnist(16), config, m)) {
        f.run(dir.resolve("ft"), "finetune", TrainingListener.none());
        straight = Fixtures.parameters(f.backbone().block());
      }
      assertThat(Checkpoint.readCard(dir.resolve("ft")).training().exitSample()).isEqualTo(1);
      try (Trainer f = Trainer.finetune(REGISTRY, dir.resolve("base"), PER_EXIT, ComponentSpec.parse("deediff"),
          schedule, Fixtures.fashionMnist(16), config, m)) {
        f.trainSteps(2, TrainingListener.none());
        f.saveCheckpoint(dir.resolve("half"), "finetune");
      }
      try (Trainer f = Trainer.resume(REGISTRY, dir.resolve("half"), schedule, Fixtures.fashionMnist(16), 0, m)) {
        f.trainSteps(4, TrainingListener.none());
        Map<String, float[]> resumed = Fixtures.parameters(f.backbone().block());
        assertThat(resumed.keySet()).isEqualTo(straight.keySet());
        resumed.forEach((k, v) -> assertThat(v).as(k).isEqualTo(straight.get(k)));
      }
      // one step: the early head drawn moves, the other is left as the base's shared head was copied
      int drawn = TrainingStep.exitsOfStep(config.seed(), 0, 1, 3)[0];
      Map<String, float[]> start;
      Map<String, float[]> after;
      try (Trainer f = Trainer.finetune(REGISTRY, dir.resolve("base"), PER_EXIT, ComponentSpec.parse("deediff"),
          schedule, Fixtures.fashionMnist(16), config, m)) {
        start = Fixtures.parameters(f.backbone().block());
        f.trainSteps(1, TrainingListener.none());
        after = Fixtures.parameters(f.backbone().block());
      }
      String[] heads = {"head_in0_", "head_mid_"};
      for (int e = 0; e < 2; e++) {
        String head = heads[e];
        String decoder = start.keySet().stream().filter(n -> n.contains(head) && n.endsWith("decoder_pred_weight"))
            .findFirst().orElseThrow();
        if (e == drawn) {
          assertThat(after.get(decoder)).as(decoder).isNotEqualTo(start.get(decoder));
        } else {
          assertThat(after.get(decoder)).as(decoder).isEqualTo(start.get(decoder));
        }
      }
      assertThatThrownBy(() -> Trainer.finetune(REGISTRY, dir.resolve("base"), PER_EXIT,
          ComponentSpec.parse("schedule:table=0-1000:1"), schedule, Fixtures.fashionMnist(16), config, m))
          .hasMessageContaining("--exit-sample: strategy 'schedule' has an objective that reads every exit");
    }
  }

  /** One frozen-trunk per-exit DeeDiff step from {@code dir/base} into {@code dir/out}; its loss terms. */
  private static Map<String, Double> firstStepTerms(Path dir, String out, boolean distill, NDManager m) {
    List<Map<String, Double>> terms = new ArrayList<>();
    try (Trainer f = Trainer.finetune(REGISTRY, dir.resolve("base"), PER_EXIT, ComponentSpec.parse("deediff"),
        NoiseSchedules.ddpmLinear(), Fixtures.fashionMnist(16),
        Fixtures.quick(1).withFreezeTrunk(true).withDistill(distill), m)) {
      f.run(dir.resolve(out), "finetune", new TrainingListener() {
        @Override
        public void stepDone(StepReport report) {
          terms.add(report.terms());
        }
      });
    }
    return terms.get(0);
  }

  @Test
  void aSecondFinetuneWithTheSameStrategyStartsFromItsTrainedParametersAndAnotherStartsAfresh(@TempDir Path dir) {
    var schedule = NoiseSchedules.ddpmLinear();
    try (NDManager m = NDManager.newBaseManager()) {
      trainBase(dir.resolve("base"), m);
      Map<String, float[]> fresh;
      try (Trainer f = Trainer.finetune(REGISTRY, dir.resolve("base"), PER_EXIT, ComponentSpec.parse("deediff"),
          schedule, Fixtures.fashionMnist(16), Fixtures.quick(2).withFreezeTrunk(true), m)) {
        fresh = Fixtures.parameters(f.strategy().orElseThrow().trainable().orElseThrow());
        f.run(dir.resolve("ft"), "finetune", TrainingListener.none());
      }
      Map<String, float[]> trained;
      try (Checkpoint ck = Checkpoint.load(dir.resolve("ft"), REGISTRY, m);
          var s = ck.createStrategy(REGISTRY, schedule, m, io.diffexit.api.Params.empty()).orElseThrow()) {
        trained = Fixtures.parameters(s.trainable().orElseThrow());
      }
      assertThat(trained).isNotEmpty();
      assertThat(trained.values().iterator().next()).isNotEqualTo(fresh.values().iterator().next());
      // the whole model now (no freezing), same strategy: its UEMs go on from the fine-tune's EMA weights
      try (Trainer again = Trainer.finetune(REGISTRY, dir.resolve("ft"), Map.of(), ComponentSpec.parse("deediff"),
          schedule, Fixtures.fashionMnist(16), Fixtures.quick(1), m)) {
        assertThat(Fixtures.parameters(again.strategy().orElseThrow().trainable().orElseThrow()))
            .containsOnlyKeys(trained.keySet())
            .allSatisfy((k, v) -> assertThat(v).as(k).isEqualTo(trained.get(k)));
        assertThat(Fixtures.parameters(again.emaStrategy().orElseThrow().trainable().orElseThrow()))
            .allSatisfy((k, v) -> assertThat(v).as(k).isEqualTo(trained.get(k)));
      }
      // other parameters make another strategy: it starts as a fresh one does
      try (Trainer other = Trainer.finetune(REGISTRY, dir.resolve("ft"), Map.of(),
          ComponentSpec.parse("deediff:threshold=0.5"), schedule, Fixtures.fashionMnist(16), Fixtures.quick(1), m)) {
        assertThat(Fixtures.parameters(other.strategy().orElseThrow().trainable().orElseThrow()))
            .allSatisfy((k, v) -> assertThat(v).as(k).isEqualTo(fresh.get(k)));
      }
    }
  }

  @Test
  void exitSkipLinearsAddedToAPerExitCheckpointStartAsTheLastBlocksAndTrainOverTheFrozenTrunk(@TempDir Path dir) {
    var schedule = NoiseSchedules.ddpmLinear();
    try (NDManager m = NDManager.newBaseManager()) {
      finetunePerExit(dir, m);
      Map<String, String> skip = Map.of("exit-skip", "outer");
      Map<String, float[]> before;
      try (Checkpoint ck = Checkpoint.load(dir.resolve("ft"), REGISTRY, m, Weights.EMA, skip)) {
        before = Fixtures.parameters(ck.backbone().block());
        Map<String, String> inherited = ck.backbone().inheritedParameters();
        List<String> linears =
            inherited.keySet().stream().filter(n -> n.matches("\\d+skip_(in|mid)\\d*_.*")).toList();
        assertThat(linears).hasSize(4); // weight and bias for exits in0 and mid of the 3-block model
        for (String name : linears) {
          assertThat(before.get(name)).as(name).isEqualTo(before.get(inherited.get(name)));
        }
      }
      List<String> trained;
      try (Trainer f = Trainer.finetune(REGISTRY, dir.resolve("ft"), skip, ComponentSpec.parse("deediff"),
          schedule, Fixtures.fashionMnist(16), Fixtures.quick(2).withFreezeTrunk(true), m)) {
        trained = f.trainedParameterNames();
        assertThat(trained).anyMatch(n -> n.matches("backbone/\\d+skip_in0_weight"));
        f.run(dir.resolve("ft-skip"), "finetune", TrainingListener.none());
      }
      try (Checkpoint ck = Checkpoint.load(dir.resolve("ft-skip"), REGISTRY, m)) {
        assertThat(ck.card().backbone().config()).containsEntry("exit-skip", "outer");
        Map<String, float[]> after = Fixtures.parameters(ck.backbone().block());
        for (String name : before.keySet()) {
          if (trained.contains("backbone/" + name)) {
            continue;
          }
          assertThat(after.get(name)).as(name).isEqualTo(before.get(name)); // the trunk and final head are frozen
        }
        String w = after.keySet().stream().filter(n -> n.matches("\\d+skip_in0_weight")).findFirst().orElseThrow();
        assertThat(after.get(w)).isNotEqualTo(before.get(w));
      }
    }
  }

  @Test
  void exitBlocksAddedToAPerExitCheckpointStartAsTheIdentityAndTrainOverTheFrozenTrunk(@TempDir Path dir) {
    var schedule = NoiseSchedules.ddpmLinear();
    try (NDManager m = NDManager.newBaseManager()) {
      finetunePerExit(dir, m);
      Map<String, String> block = Map.of("exit-skip", "block");
      NDArray x = m.randomNormal(new Shape(2, 1, 28, 28));
      NDArray t = m.create(new float[] {50, 800});
      try (Checkpoint plain = Checkpoint.load(dir.resolve("ft"), REGISTRY, m);
          Checkpoint ck = Checkpoint.load(dir.resolve("ft"), REGISTRY, m, Weights.EMA, block)) {
        // the file has no exit blocks: they keep their identity start, so each exit predicts what its head did
        List<float[]> a = exits(plain.backbone(), x, t, m);
        List<float[]> b = exits(ck.backbone(), x, t, m);
        for (int i = 0; i < a.size(); i++) {
          assertThat(b.get(i)).as("exit %d", i).isEqualTo(a.get(i));
        }
      }
      List<String> trained;
      try (Trainer f = Trainer.finetune(REGISTRY, dir.resolve("ft"), block, ComponentSpec.parse("deediff"),
          schedule, Fixtures.fashionMnist(16), Fixtures.quick(2).withFreezeTrunk(true), m)) {
        trained = f.trainedParameterNames();
        assertThat(trained).anyMatch(n -> n.matches("backbone/\\d+block_in0_\\d+fc2_weight"))
            .noneMatch(n -> n.matches("backbone/\\d+(in0|mid|out0)_.*"));
        f.run(dir.resolve("ft-block"), "finetune", TrainingListener.none());
      }
      try (Checkpoint ck = Checkpoint.load(dir.resolve("ft-block"), REGISTRY, m)) {
        assertThat(ck.card().backbone().config()).containsEntry("exit-skip", "block");
        String fc2 = Fixtures.parameters(ck.backbone().block()).keySet().stream()
            .filter(n -> n.matches("\\d+block_in0_\\d+fc2_weight")).findFirst().orElseThrow();
        float[] moved = Fixtures.parameters(ck.backbone().block()).get(fc2);
        assertThat(moved).isNotEqualTo(new float[moved.length]); // trained away from its zero start
      }
    }
  }

  @Test
  void weightsThatAnOverrideWouldDropAreRefusedWithTheParameterNamed(@TempDir Path dir) {
    try (NDManager m = NDManager.newBaseManager()) {
      finetunePerExit(dir, m);
      assertThat(m.getManagedArrays()).isEmpty(); // the fine-tune's start released the base's own weights
      assertThatThrownBy(() -> Checkpoint.load(dir.resolve("ft"), REGISTRY, m, Weights.EMA,
              Map.of("exit-heads", "shared")))
          .isInstanceOf(UserError.class)
          .hasMessageMatching(".*backbone-ema.params does not fit backbone 'uvit' as its card configures it \\(.*"
              + "exit-heads=shared.*\\): its parameter '\\d+head_in0_\\d+norm_gamma' would be dropped; keep the"
              + " setting that parameter belongs to");
      assertThat(m.getManagedArrays()).isEmpty(); // and so did the failed load
    }
  }

  private static List<float[]> exits(Backbone b, NDArray x, NDArray t, NDManager m) {
    List<float[]> out = new ArrayList<>();
    try (NDManager scope = m.newSubManager()) {
      Pass pass = b.begin(new ParameterStore(scope, false), x, t, false);
      while (pass.position() < pass.exitPoints() - 1) {
        pass.advance();
        out.add(pass.head().toFloatArray());
      }
    }
    return out;
  }

  /** Trains a base into {@code dir/base}, then one frozen-trunk step of per-exit DeeDiff heads into {@code dir/ft}. */
  private static void finetunePerExit(Path dir, NDManager m) {
    trainBase(dir.resolve("base"), m);
    try (Trainer f = Trainer.finetune(REGISTRY, dir.resolve("base"), PER_EXIT, ComponentSpec.parse("deediff"),
        NoiseSchedules.ddpmLinear(), Fixtures.fashionMnist(16), Fixtures.quick(1).withFreezeTrunk(true), m)) {
      f.run(dir.resolve("ft"), "finetune", TrainingListener.none());
    }
  }

  private static void trainBase(Path out, NDManager m) {
    try (Trainer t = Trainer.create(REGISTRY, TINY_UVIT, NoiseSchedules.ddpmLinear(), Fixtures.fashionMnist(16),
        Fixtures.quick(1), m)) {
      t.run(out, "train", TrainingListener.none());
    }
  }
}
