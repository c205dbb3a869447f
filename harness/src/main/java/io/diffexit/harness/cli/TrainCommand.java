package io.diffexit.harness.cli;

import io.diffexit.api.NoiseSchedule;
import io.diffexit.harness.ComponentSpec;
import io.diffexit.harness.checkpoint.ModelCard;
import io.diffexit.harness.plugins.Registry;
import io.diffexit.harness.train.Trainer;
import io.diffexit.harness.checkpoint.TrainingConfig;
import io.diffexit.harness.train.TrainingData;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code diffexit train}: trains a backbone on Fashion-MNIST with L_simple and writes a checkpoint. */
@Command(
    name = "train",
    description = {
      "Train a denoising backbone on Fashion-MNIST (epsilon-prediction, L_simple; AdamW, EMA, global-norm clipping).",
      "Defaults: 5000 steps, batch 128, lr 2e-4 with 500 warm-up steps then constant, weight decay 0.03, betas"
          + " (0.99, 0.999), EMA 0.999, clip 1.0, seed 0, a checkpoint every 1000 steps.",
      "The checkpoint folder holds model-card.json, backbone.params, backbone-ema.params and trainer-state/;"
          + " --resume DIR continues a killed run exactly."
    },
    mixinStandardHelpOptions = true)
public final class TrainCommand implements Callable<Integer> {

  private final TrainingServices services;

  /** @param services the registry and the training noise schedule */
  @com.google.inject.Inject
  public TrainCommand(TrainingServices services) {
    this.services = services;
  }

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--backbone", paramLabel = "SPEC", description = "backbone and its config, e.g. uvit:dim=96")
  String backbone;

  @Mixin TrainingOptions options = new TrainingOptions();

  @Override
  public Integer call() {
    String command = TrainingRuns.commandLine(spec.commandLine().getParseResult().originalArgs());
    TrainingRuns.engine(options.threads);
    Registry registry = services.registry().get();
    NoiseSchedule schedule = services.schedule().get();
    if (options.resume != null) {
      if (backbone != null) {
        TrainingRuns.checkResumeOptions(java.util.List.of("--backbone"), options.resume);
      }
      TrainingRuns.checkResumeOptions(options.fixedOnResume(), options.resume);
      ModelCard card = TrainingRuns.resumeCard(options.resume);
      if (card.strategy() != null) {
        throw new IllegalArgumentException(
            options.resume + " is a fine-tune; resume it with `diffexit finetune --resume " + options.resume + "`");
      }
      return TrainingRuns.resume(registry, schedule, options, card, command, spec.commandLine().getOut());
    }
    if (backbone == null) {
      throw new IllegalArgumentException("--backbone is required (e.g. --backbone uvit:dim=96), or --resume DIR");
    }
    ComponentSpec backboneSpec = ComponentSpec.parse(backbone);
    Path out = options.out != null ? options.out : Path.of("checkpoints", backboneSpec.name());
    TrainingRuns.checkOut(out, options.force, null, null);
    TrainingConfig config = options.apply(TrainingConfig.defaults());
    TrainingData data = TrainingRuns.fashionMnist(options.data, options.limit);
    return TrainingRuns.run(
        m -> Trainer.create(registry, backboneSpec, schedule, data, config, m), out, command,
        spec.commandLine().getOut(), options.device);
  }
}
