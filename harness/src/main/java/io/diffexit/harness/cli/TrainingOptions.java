package io.diffexit.harness.cli;

import io.diffexit.harness.checkpoint.TrainingConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * Options shared by {@code train} and {@code finetune}. Boxed types tell "not given" (null) from a value, so that
 * {@code --resume} can refuse options that would change a run half-way.
 */
public final class TrainingOptions {

  @Option(names = "--data", paramLabel = "DIR",
      description = "Fashion-MNIST folder with the *-ubyte.gz files (default: /usr/share/datasets/fashion-mnist)")
  Path data;

  @Option(names = "--limit", paramLabel = "N", description = "train on the first N training images only")
  Integer limit;

  @Option(names = "--steps", paramLabel = "N", description = "optimizer steps of the whole run")
  Integer steps;

  @Option(names = "--batch", paramLabel = "N", description = "images per step (default 128)")
  Integer batch;

  @Option(names = "--lr", paramLabel = "X", description = "peak learning rate (AdamW)")
  Double lr;

  @Option(names = "--warmup", paramLabel = "N", description = "linear warm-up steps, then constant")
  Integer warmup;

  @Option(names = "--weight-decay", paramLabel = "X", description = "decoupled weight decay (default 0.03)")
  Double weightDecay;

  @Option(names = "--ema", paramLabel = "X", description = "EMA decay (default 0.999, with warm-up)")
  Double ema;

  @Option(names = "--clip", paramLabel = "X", description = "global gradient-norm clip, 0 = off (default 1.0)")
  Double clip;

  @Option(names = "--exit-loss-gamma", paramLabel = "X",
      description = "weight the layer-wise terms by min(SNR, X)/SNR per sample (min-SNR-gamma; 5 is usual; bounds x0"
          + " heads at small t); 0 = unweighted (default)")
  Double exitLossGamma;

  @Option(names = "--cooldown", paramLabel = "N",
      description = "lower the rate linearly towards 0 over the last N steps of the run (default 0: constant after the"
          + " warm-up); may be given with --resume to end a run, when the cool-down starts at or after its step")
  Integer cooldown;

  @Option(names = "--times", paramLabel = "LO-HI",
      description = "draw training timesteps only where the model time lies in [LO, HI), e.g. 600-1000: trains exit"
          + " heads for the steps a strategy's times window lets them exit (default: every timestep)")
  String times;

  @Option(names = "--seed", paramLabel = "N", description = "seed of init, data order, timesteps, noise (default 0)")
  Long seed;

  @Option(names = "--out", paramLabel = "DIR",
      description = "checkpoint folder (written atomically; an existing checkpoint only with --force)")
  Path out;

  @Option(names = "--force", description = "replace an existing checkpoint folder at --out")
  boolean force;

  @Option(names = "--checkpoint-every", paramLabel = "N", description = "write a checkpoint every N steps (0 = end only)")
  Integer checkpointEvery;

  @Option(names = "--resume", paramLabel = "DIR", description = "continue the run that wrote this checkpoint")
  Path resume;

  @picocli.CommandLine.Mixin DeviceOption device = new DeviceOption();

  @Option(names = "--threads", paramLabel = "N", description = "PyTorch intra-op threads (default: all cores)")
  Integer threads;

  /** @return the defaults with every given option applied */
  TrainingConfig apply(TrainingConfig base) {
    TrainingConfig c = base;
    if (steps != null) {
      c = c.withSteps(steps);
    }
    if (batch != null) {
      c = c.withBatch(batch);
    }
    if (lr != null) {
      c = c.withLr(lr);
    }
    if (warmup != null) {
      c = c.withWarmup(warmup);
    }
    if (weightDecay != null) {
      c = c.withWeightDecay(weightDecay);
    }
    if (ema != null) {
      c = c.withEmaDecay(ema);
    }
    if (clip != null) {
      c = c.withGradClip(clip);
    }
    if (exitLossGamma != null) {
      c = c.withExitLossGamma(exitLossGamma);
    }
    if (seed != null) {
      c = c.withSeed(seed);
    }
    if (checkpointEvery != null) {
      c = c.withCheckpointEvery(checkpointEvery);
    }
    if (cooldown != null) {
      c = c.withCooldown(cooldown);
    }
    if (times != null) {
      c = c.withTimes(times);
    }
    return c;
  }

  /** @return the options given that a resumed run cannot change */
  List<String> fixedOnResume() {
    List<String> given = new ArrayList<>();
    addIf(given, data, "--data");
    addIf(given, limit, "--limit");
    addIf(given, batch, "--batch");
    addIf(given, lr, "--lr");
    addIf(given, warmup, "--warmup");
    addIf(given, weightDecay, "--weight-decay");
    addIf(given, ema, "--ema");
    addIf(given, clip, "--clip");
    addIf(given, exitLossGamma, "--exit-loss-gamma");
    addIf(given, seed, "--seed");
    addIf(given, times, "--times");
    addIf(given, checkpointEvery, "--checkpoint-every");
    return given;
  }

  private static void addIf(List<String> given, Object value, String name) {
    if (value != null) {
      given.add(name);
    }
  }
}
