package io.diffexit.harness.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import io.diffexit.harness.ComponentSpec;
import io.diffexit.harness.UserError;
import io.diffexit.harness.checkpoint.Checkpoint;
import io.diffexit.harness.checkpoint.ModelCard;
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

/** A U-Net trained with ε heads is fine-tuned with x̂₀ exit heads (the weights' shapes are the same). */
class UNetX0FinetuneTest {

  static final Registry REGISTRY = Registries.create(Path.of("no-plugins-folder"));
  static final ComponentSpec TINY_UNET =
      ComponentSpec.parse("unet:base=4,mult=1;2,res-blocks=1,attention=false,groups=2");

  @Test
  void finetuneWithExitTargetX0TrainsAndRecordsTheNewConfig(@TempDir Path dir) {
    var schedule = NoiseSchedules.ddpmLinear();
    try (NDManager m = NDManager.newBaseManager()) {
      trainBase(dir.resolve("base"), 2, m);
      try (Trainer f = Trainer.finetune(REGISTRY, dir.resolve("base"), Map.of("exit-target", "x0"),
          ComponentSpec.parse("deediff"), schedule, Fixtures.fashionMnist(16), Fixtures.quick(2), m)) {
        f.run(dir.resolve("ft"), "finetune", TrainingListener.none());
        assertThat(f.lastLoss()).isFinite();
      }
      ModelCard card = Checkpoint.readCard(dir.resolve("ft"));
      assertThat(card.backbone().config()).containsEntry("exit-target", "x0");
      try (Checkpoint ck = Checkpoint.load(dir.resolve("ft"), REGISTRY, m)) {
        assertThat(ck.backbone().spec().config().get("exit-target")).contains("x0");
      }
      // a setting that changes the weights' shapes cannot be applied to the base's weights
      assertThatThrownBy(() -> Trainer.finetune(REGISTRY, dir.resolve("base"), Map.of("base", "6"),
              ComponentSpec.parse("deediff"), schedule, Fixtures.fashionMnist(16), Fixtures.quick(1), m))
          .isInstanceOf(UserError.class).hasMessageContaining("does not fit backbone 'unet' as its card configures it")
          .hasMessageContaining("base=6");
    }
  }

  @Test
  void minSnrWeightingBoundsTheX0HeadsLayerwiseTermAndIsRecordedInTheCard(@TempDir Path dir) {
    var schedule = NoiseSchedules.ddpmLinear();
    List<Double> ual = new ArrayList<>();
    try (NDManager m = NDManager.newBaseManager()) {
      trainBase(dir.resolve("base"), 1, m);
      for (double gamma : new double[] {0, 5}) {
        Path ft = dir.resolve("ft" + gamma);
        List<StepReport> reports = new ArrayList<>();
        try (Trainer f = Trainer.finetune(REGISTRY, dir.resolve("base"), Map.of("exit-target", "x0"),
            ComponentSpec.parse("deediff"), schedule, Fixtures.fashionMnist(16),
            Fixtures.quick(1).withFreezeBackbone(true).withExitLossGamma(gamma), m)) {
          f.run(ft, "finetune", reports::add);
        }
        ual.add(reports.get(0).terms().get("ual"));
        assertThat(Checkpoint.readCard(ft).training().exitLossGamma()).isEqualTo(gamma);
      }
    }
    // same batch, t and noise: an untrained x0 head's ε error explodes at small t unless the weight caps SNR at γ
    assertThat(ual.get(1)).isLessThan(ual.get(0) / 2);
  }

  @Test
  void freezingTheTrunkTrainsOnlyTheEarlyExitHeadsAndTheStrategy(@TempDir Path dir) {
    var schedule = NoiseSchedules.ddpmLinear();
    try (NDManager m = NDManager.newBaseManager()) {
      trainBase(dir.resolve("base"), 1, m);
      Map<String, float[]> before;
      try (Checkpoint ck = Checkpoint.load(dir.resolve("base"), REGISTRY, m)) {
        before = Fixtures.parameters(ck.backbone().block());
      }
      try (Trainer f = Trainer.finetune(REGISTRY, dir.resolve("base"), Map.of("exit-target", "x0"),
          ComponentSpec.parse("deediff"), schedule, Fixtures.fashionMnist(16),
          Fixtures.quick(2).withFreezeTrunk(true), m)) {
        assertThat(f.trainedParameterNames()).contains("backbone/head.mid.conv.weight")
            .noneMatch(n -> n.startsWith("backbone/") && !n.startsWith("backbone/head."))
            .doesNotContain("backbone/head.up28.conv.weight").anyMatch(n -> n.startsWith("strategy/"));
        f.run(dir.resolve("ft"), "finetune", TrainingListener.none());
      }
      assertThat(Checkpoint.readCard(dir.resolve("ft")).training().freezeTrunk()).isTrue();
      try (Checkpoint ck = Checkpoint.load(dir.resolve("ft"), REGISTRY, m)) {
        Map<String, float[]> after = Fixtures.parameters(ck.backbone().block());
        assertThat(after.keySet()).isEqualTo(before.keySet());
        for (String name : before.keySet()) {
          boolean earlyHead = name.startsWith("head.") && !name.startsWith("head.up28.");
          if (earlyHead && name.endsWith("conv.weight")) {
            assertThat(after.get(name)).as(name).isNotEqualTo(before.get(name));
          } else if (!earlyHead) {
            assertThat(after.get(name)).as(name).isEqualTo(before.get(name));
          }
        }
      }
    }
  }

  @Test
  void freezingTheTrunkIsRefusedWithTheBackboneFrozenOrWithoutEarlyHeads() {
    assertThatThrownBy(() -> Fixtures.quick(1).withFreezeBackbone(true).withFreezeTrunk(true))
        .hasMessage("training options freeze-trunk and freeze-backbone exclude each other: the first trains the"
            + " early-exit heads, the second freezes them too; give one");
  }

  /** Trains the tiny ε-head U-Net for {@code steps} steps into {@code out}. */
  private static void trainBase(Path out, int steps, NDManager m) {
    try (Trainer t = Trainer.create(REGISTRY, TINY_UNET, NoiseSchedules.ddpmLinear(), Fixtures.fashionMnist(16),
        Fixtures.quick(steps), m)) {
      t.run(out, "train", TrainingListener.none());
    }
  }
}
