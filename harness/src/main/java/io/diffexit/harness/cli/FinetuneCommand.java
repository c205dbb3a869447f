package io.diffexit.harness.cli;

import io.diffexit.api.NoiseSchedule;
import io.diffexit.harness.ComponentSpec;
import io.diffexit.harness.checkpoint.Checkpoint;
import io.diffexit.harness.checkpoint.ModelCard;
import io.diffexit.harness.plugins.Registry;
import io.diffexit.harness.train.Trainer;
import io.diffexit.harness.checkpoint.TrainingConfig;
import io.diffexit.harness.train.TrainingData;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code diffexit finetune}: fine-tunes a checkpoint with an exit strategy's training objective. */
@Command(
    name = "finetune",
    description = {
      "Fine-tune a checkpoint with an exit strategy's objective (layer-wise losses, UEM heads), training the backbone"
          + " and the strategy's parameters together, only the strategy's with --freeze-backbone, or the strategy's and"
          + " the backbone's early-exit heads (U-Net; U-ViT with exit-heads=per-exit) with --freeze-trunk, which keeps"
          + " the full-depth model the base's.",
      "Starts from the base's EMA weights. Data defaults to the base checkpoint's. Defaults: 2000 steps, batch 128,"
          + " lr 1e-4 with 100 warm-up steps, the other settings as train.",
      "The strategy's parameters are saved as strategy.params / strategy-ema.params with its spec in the card. When"
          + " the base was itself fine-tuned with the same strategy spec, they start from its trained (EMA) ones, e.g."
          + " to train the whole model after a --freeze-trunk fine-tune."
    },
    mixinStandardHelpOptions = true)
public final class FinetuneCommand implements Callable<Integer> {

  private final TrainingServices services;

  /** @param services the registry and the training noise schedule */
  @com.google.inject.Inject
  public FinetuneCommand(TrainingServices services) {
    this.services = services;
  }

  /** Fine-tuning defaults: shorter, gentler than training from scratch. */
  public static final TrainingConfig DEFAULTS =
      TrainingConfig.defaults().withSteps(2000).withLr(1e-4).withWarmup(100);

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", arity = "0..1", paramLabel = "BASE_CHECKPOINT", description = "the checkpoint to fine-tune")
  Path base;

  @Option(names = "--strategy", paramLabel = "SPEC", description = "exit strategy and its parameters, e.g. deediff")
  String strategy;

  @Option(names = "--freeze-backbone", description = "train only the strategy's parameters")
  boolean freezeBackbone;

  @Option(names = "--freeze-trunk",
      description = "train the strategy's parameters and the backbone's early-exit heads only (not the final head)")
  boolean freezeTrunk;

  @Option(names = "--distill",
      description = "with --freeze-trunk: every early-exit head learns the full model's prediction (its eps, gradient"
          + " stopped) in place of the sampled noise, and a UEM learns its distance from it (self-distillation)")
  boolean distill;

  @Option(names = "--exit-sample", paramLabel = "K",
      description = "train K early exits per step, drawn from the seed, and the final head (LayerSkip-style; cuts what"
          + " the exit heads cost a step; DeeDiff, BERxiT and CALM support it); default: every exit")
  int exitSample;

  @Option(names = "--backbone-param", paramLabel = "KEY=VALUE",
      description = "replace a backbone parameter of the base's card, for settings that keep the weights' shapes,"
          + " e.g. exit-target=x0 (U-Net exit heads that predict x0 at their resolution), or settings that add"
          + " parameters the backbone starts from the base's, e.g. exit-heads=per-exit (U-ViT: a head per exit point,"
          + " each a copy of the shared head); repeatable")
  Map<String, String> backboneParams = new java.util.LinkedHashMap<>();

  @Mixin TrainingOptions options = new TrainingOptions();

  @Override
  public Integer call() {
    String command = TrainingRuns.commandLine(spec.commandLine().getParseResult().originalArgs());
    TrainingRuns.engine(options.threads);
    Registry registry = services.registry().get();
    NoiseSchedule schedule = services.schedule().get();
    if (options.resume != null) {
      List<String> given = new ArrayList<>(options.fixedOnResume());
      if (base != null) {
        given.add(0, "BASE_CHECKPOINT");
      }
      if (strategy != null) {
        given.add("--strategy");
      }
      if (freezeBackbone) {
        given.add("--freeze-backbone");
      }
      if (freezeTrunk) {
        given.add("--freeze-trunk");
      }
      if (distill) {
        given.add("--distill");
      }
      if (exitSample != 0) {
        given.add("--exit-sample");
      }
      if (!backboneParams.isEmpty()) {
        given.add("--backbone-param");
      }
      TrainingRuns.checkResumeOptions(given, options.resume);
      ModelCard card = TrainingRuns.resumeCard(options.resume);
      if (card.strategy() == null) {
        throw new IllegalArgumentException(
            options.resume + " is not a fine-tune; resume it with `diffexit train --resume " + options.resume + "`");
      }
      return TrainingRuns.resume(registry, schedule, options, card, command, spec.commandLine().getOut());
    }
    if (base == null) {
      throw new IllegalArgumentException("give the BASE_CHECKPOINT folder to fine-tune, or --resume DIR");
    }
    if (strategy == null) {
      throw new IllegalArgumentException("--strategy is required, e.g. --strategy deediff");
    }
    ComponentSpec strategySpec = ComponentSpec.parse(strategy);
    ModelCard baseCard = Checkpoint.readCard(base);
    Path out = options.out != null
        ? options.out
        : Checkpoint.resolve(base).resolveSibling(
            Checkpoint.resolve(base).getFileName() + "-" + strategySpec.name());
    TrainingRuns.checkOut(out, options.force, null, base);
    TrainingData data = options.data == null && options.limit == null
        ? TrainingRuns.dataOf(baseCard, base)
        : TrainingRuns.fashionMnist(options.data, options.limit);
    TrainingConfig config = options.apply(DEFAULTS.withBatch(baseCard.training() == null
        ? DEFAULTS.batch() : baseCard.training().batch())).withFreezeBackbone(freezeBackbone)
        .withFreezeTrunk(freezeTrunk).withDistill(distill)
        .withExitSample(exitSample);
    return TrainingRuns.run(
        m -> Trainer.finetune(registry, base, backboneParams, strategySpec, schedule, data, config, m), out, command,
        spec.commandLine().getOut(), options.device);
  }
}
