package io.diffexit.harness.checkpoint;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import io.diffexit.api.ModelTimeRange;
import java.util.function.Consumer;

/**
 * Hyperparameters of a training or fine-tuning run: what the trainer takes and, as the {@code training} section of
 * {@code model-card.json}, what a checkpoint records (the same record, so the two cannot drift apart; it lives with
 * the card because checkpoints are read by code that does not train).
 *
 * <p>Defaults ({@link #defaults()}) are U-ViT's CIFAR-10 recipe scaled to a small model and short runs on 2 CPU cores:
 * AdamW lr 2e-4 with decoupled weight decay 0.03 on every parameter and betas (0.99, 0.999) as U-ViT; a linear warm-up of
 * 500 steps then a constant rate (U-ViT's "customized" schedule, shortened from 2500 because runs here are thousands
 * of steps, not hundreds of thousands); EMA decay 0.999 (U-ViT uses 0.9999 over 500k steps; a few thousand steps need
 * a shorter memory) with the usual warm-up min(decay, (1+s)/(10+s)); global-norm clipping at 1.0; batch 128.
 *
 * @param steps optimizer steps of the whole run
 * @param batch images per step
 * @param lr peak learning rate
 * @param warmup linear warm-up steps (0 = none)
 * @param weightDecay decoupled weight decay
 * @param beta1 AdamW β1
 * @param beta2 AdamW β2
 * @param eps AdamW ε
 * @param emaDecay EMA decay in [0, 1)
 * @param gradClip global gradient norm threshold (0 = no clipping)
 * @param seed seed of initialisation, data order, timesteps and noise
 * @param freezeBackbone train only the exit strategy's block, the backbone's weights stay bit-identical (fine-tunes)
 * @param checkpointEvery write a checkpoint every this many steps (0 = only at the end)
 * @param exitLossGamma γ of the min-SNR-γ weighting of the layer-wise terms (Hang et al. 2023): each sample's squared
 *     ε error of every head in an objective's layer-wise loss is weighted by min(SNR, γ)/SNR, SNR = ᾱ/(1−ᾱ), which for
 *     an x̂₀ head is min(SNR, γ)·|x̂₀ error|², bounded where ε = (x_t − √ᾱ·x̂₀)/√(1−ᾱ) amplifies it (small t). 0 = the
 *     unweighted mean (the default; cards written before this option read as 0). The final head's L_simple stays
 *     unweighted.
 * @param freezeTrunk train only the backbone's early-exit heads ({@code Backbone#earlyExitHeadParameters}) and the
 *     strategy's block: the trunk and the final head stay bit-identical, so the full-depth model is the base's
 *     (cards written before this option read as false)
 * @param cooldown the last this many steps of the run lower the rate linearly towards 0 (the cool-down that ends a
 *     constant-rate run; 0 = none, the default; cards written before this option read as 0)
 * @param times a model-time range {@code lo-hi}: every training sample draws its timestep uniformly among those whose
 *     model time lies in [lo, hi), so exit heads can be trained for the steps where a strategy's {@code times} window
 *     lets them exit; {@code null} = every timestep (the default; cards written before this option read as null, and
 *     such runs draw their timesteps exactly as before)
 * @param distill make the full-depth model's ε̂ (the last head's output, gradient stopped) every layer-wise term's
 *     target in place of the sampled noise, so that an exit learns what the model it stands in for would predict
 *     (self-distillation, as in LayerSkip's and CALM's consistency targets); needs {@code freezeTrunk}, because a
 *     final head that trained would have its own output as its target (cards written before this option read as
 *     false)
 * @param exitSample train this many early exits per step, drawn uniformly without replacement from (seed, step),
 *     with the final head always (LayerSkip-style sampling, to cut what the exit heads cost a step); 0 = every exit
 *     point, the default (cards written before this option read as 0). Needs an objective that supports it
 *     ({@code TrainingObjective#supportsExitSampling})
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record TrainingConfig(
    int steps,
    int batch,
    double lr,
    int warmup,
    double weightDecay,
    double beta1,
    double beta2,
    double eps,
    double emaDecay,
    double gradClip,
    long seed,
    boolean freezeBackbone,
    int checkpointEvery,
    double exitLossGamma,
    boolean freezeTrunk,
    int cooldown,
    String times,
    boolean distill,
    int exitSample) {

  public TrainingConfig {
    check(steps >= 1, "steps", steps, "must be at least 1");
    check(batch >= 1, "batch", batch, "must be at least 1");
    check(lr > 0 && Double.isFinite(lr), "lr", lr, "must be positive");
    check(warmup >= 0, "warmup", warmup, "must be 0 or more");
    check(weightDecay >= 0 && Double.isFinite(weightDecay), "weight decay", weightDecay, "must be 0 or more");
    check(beta1 >= 0 && beta1 < 1, "beta1", beta1, "must be in [0, 1)");
    check(beta2 >= 0 && beta2 < 1, "beta2", beta2, "must be in [0, 1)");
    check(eps > 0, "eps", eps, "must be positive");
    check(emaDecay >= 0 && emaDecay < 1, "ema", emaDecay, "must be in [0, 1)");
    check(gradClip >= 0 && Double.isFinite(gradClip), "clip", gradClip, "must be 0 (off) or positive");
    if (freezeTrunk && freezeBackbone) {
      throw new IllegalArgumentException("training options freeze-trunk and freeze-backbone exclude each other: the"
          + " first trains the early-exit heads, the second freezes them too; give one");
    }
    check(exitLossGamma >= 0 && Double.isFinite(exitLossGamma), "exit-loss-gamma", exitLossGamma,
        "must be 0 (unweighted) or positive");
    check(checkpointEvery >= 0, "checkpoint-every", checkpointEvery, "must be 0 (only at the end) or positive");
    check(cooldown >= 0 && cooldown <= steps, "cooldown", cooldown, "must be in [0, steps = " + steps + "]");
    timeRange(times);
    if (distill && !freezeTrunk) {
      throw new IllegalArgumentException("training option distill needs freeze-trunk: with the final head training,"
          + " its own output would be its target; add --freeze-trunk");
    }
    check(exitSample >= 0, "exit-sample", exitSample, "must be 0 (every exit) or positive");
  }

  /**
   * @param times a {@link #times} value
   * @return its range, or {@code null} for every timestep
   * @throws IllegalArgumentException when it is not {@code lo-hi} with lo < hi
   */
  public static ModelTimeRange timeRange(String times) {
    return times == null ? null : ModelTimeRange.parse("training option times", times);
  }

  private static void check(boolean ok, String name, Object value, String rule) {
    if (!ok) {
      throw new IllegalArgumentException("training option " + name + " " + rule + ", got " + value);
    }
  }

  /** @return the defaults described above: 5000 steps, a checkpoint every 1000 */
  public static TrainingConfig defaults() {
    return new TrainingConfig(
        5000, 128, 2e-4, 500, 0.03, 0.99, 0.999, 1e-8, 0.999, 1.0, 0, false, 1000, 0, false, 0, null, false, 0);
  }

  /** @return a copy with this many steps */
  public TrainingConfig withSteps(int v) {
    return with(b -> b.steps = v);
  }

  /** @return a copy with this batch size */
  public TrainingConfig withBatch(int v) {
    return with(b -> b.batch = v);
  }

  /** @return a copy with this peak learning rate */
  public TrainingConfig withLr(double v) {
    return with(b -> b.lr = v);
  }

  /** @return a copy with this many warm-up steps */
  public TrainingConfig withWarmup(int v) {
    return with(b -> b.warmup = v);
  }

  /** @return a copy with this weight decay */
  public TrainingConfig withWeightDecay(double v) {
    return with(b -> b.weightDecay = v);
  }

  /** @return a copy with these AdamW betas */
  public TrainingConfig withBetas(double b1, double b2) {
    return with(b -> {
      b.beta1 = b1;
      b.beta2 = b2;
    });
  }

  /** @return a copy with this EMA decay */
  public TrainingConfig withEmaDecay(double v) {
    return with(b -> b.emaDecay = v);
  }

  /** @return a copy with this clipping threshold */
  public TrainingConfig withGradClip(double v) {
    return with(b -> b.gradClip = v);
  }

  /** @return a copy with this seed */
  public TrainingConfig withSeed(long v) {
    return with(b -> b.seed = v);
  }

  /** @return a copy with this checkpoint interval */
  public TrainingConfig withCheckpointEvery(int v) {
    return with(b -> b.checkpointEvery = v);
  }

  /** @return a copy that trains only the strategy's block ({@code true}) or the backbone too */
  public TrainingConfig withFreezeBackbone(boolean v) {
    return with(b -> b.freezeBackbone = v);
  }

  /** @return a copy with this min-SNR γ for the layer-wise terms (0 = unweighted) */
  public TrainingConfig withExitLossGamma(double v) {
    return with(b -> b.exitLossGamma = v);
  }

  /** @return a copy that trains only the early-exit heads and the strategy's block ({@code true}) */
  public TrainingConfig withFreezeTrunk(boolean v) {
    return with(b -> b.freezeTrunk = v);
  }

  /** @return a copy whose last {@code v} steps cool the rate down linearly (0 = constant to the end) */
  public TrainingConfig withCooldown(int v) {
    return with(b -> b.cooldown = v);
  }

  /** @return a copy that draws training timesteps only in this model-time range ({@code null} = all) */
  public TrainingConfig withTimes(String v) {
    return with(b -> b.times = v);
  }

  /** @return a copy whose layer-wise terms target the full model's ε̂ ({@code true}) or the sampled noise */
  public TrainingConfig withDistill(boolean v) {
    return with(b -> b.distill = v);
  }

  /** @return a copy that trains {@code v} sampled early exits per step (0 = every exit) */
  public TrainingConfig withExitSample(int v) {
    return with(b -> b.exitSample = v);
  }

  /** One copy with some fields changed; the record's constructor validates the result. */
  private TrainingConfig with(Consumer<Copy> change) {
    Copy b = new Copy(this);
    change.accept(b);
    return b.build();
  }

  /** The record's fields, mutable, for {@link #with}: one place that lists the constructor's arguments. */
  private static final class Copy {
    int steps;
    int batch;
    double lr;
    int warmup;
    double weightDecay;
    double beta1;
    double beta2;
    double eps;
    double emaDecay;
    double gradClip;
    long seed;
    boolean freezeBackbone;
    int checkpointEvery;
    double exitLossGamma;
    boolean freezeTrunk;
    int cooldown;
    String times;
    boolean distill;
    int exitSample;

    Copy(TrainingConfig c) {
      steps = c.steps;
      batch = c.batch;
      lr = c.lr;
      warmup = c.warmup;
      weightDecay = c.weightDecay;
      beta1 = c.beta1;
      beta2 = c.beta2;
      eps = c.eps;
      emaDecay = c.emaDecay;
      gradClip = c.gradClip;
      seed = c.seed;
      freezeBackbone = c.freezeBackbone;
      checkpointEvery = c.checkpointEvery;
      exitLossGamma = c.exitLossGamma;
      freezeTrunk = c.freezeTrunk;
      cooldown = c.cooldown;
      times = c.times;
      distill = c.distill;
      exitSample = c.exitSample;
    }

    TrainingConfig build() {
      return new TrainingConfig(steps, batch, lr, warmup, weightDecay, beta1, beta2, eps, emaDecay, gradClip, seed,
          freezeBackbone, checkpointEvery, exitLossGamma, freezeTrunk, cooldown, times, distill, exitSample);
    }
  }

  /**
   * @param step 0-based index of the update about to be made
   * @return the learning rate of that update: lr·min(1, (step+1)/warmup)·min(1, (steps−step)/cooldown). U-ViT's
   *     warm-up factor is min(step/warmup, 1), whose first update has rate 0; counting from 1 makes every update count.
   *     The cool-down's last update has rate lr/cooldown, not 0, for the same reason.
   */
  public double learningRate(int step) {
    double rate = warmup == 0 ? lr : lr * Math.min(1.0, (step + 1.0) / warmup);
    return cooldown == 0 ? rate : rate * Math.min(1.0, (double) (steps - step) / cooldown);
  }

  /** @return the first step whose rate the cool-down lowers ({@code steps − cooldown}), or steps without one */
  public int cooldownStart() {
    return steps - cooldown;
  }
}
