package io.diffexit.harness.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.ParameterList;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import io.diffexit.api.Backbone;
import io.diffexit.api.ExitStrategy;
import io.diffexit.api.LayerwiseOutputs;
import io.diffexit.api.NoiseSchedule;
import io.diffexit.api.ObjectiveValue;
import io.diffexit.api.Pass;
import io.diffexit.api.TrainingObjective;
import io.diffexit.harness.checkpoint.ModelCard;
import io.diffexit.harness.checkpoint.TrainingConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Predicate;

/**
 * One optimizer step, as {@link Trainer}'s javadoc describes it: the batch, t and ε drawn from (seed, step) alone, the
 * pass through every exit point, the loss, clipping, AdamW and the EMA update. Owns the trained and averaged
 * parameter lists and the AdamW moments; every temporary lives in a per-step sub-manager.
 */
final class TrainingStep implements AutoCloseable {

  private static final long NOISE_STREAM = 0x401_5EL;
  private static final long TIME_STREAM = 0x71_3EL;
  private static final long EXIT_STREAM = 0xE_417L;

  /** What one step measured. */
  record Values(double loss, Map<String, Double> terms, double lr, double gradNorm) {}

  private final NDManager manager;
  private final Backbone backbone;
  private final TrainingData data;
  private final TrainingConfig config;
  private final DataOrder order;
  private final float[] sqrtAlphaBar;
  private final float[] sqrtOneMinusAlphaBar;
  private final float[] modelTime;
  // the discrete timesteps a training sample may draw: null = all of [0, T), drawn as before the option existed
  private final int[] allowedTimesteps;
  private final String timeInput;
  private final List<NDArray> trained = new ArrayList<>();
  private final List<NDArray> averaged = new ArrayList<>();
  private final List<String> trainedNames = new ArrayList<>();
  private final AdamW adam;
  private final ParameterStore store;
  private final TrainingObjective objective;

  /**
   * @param modelTime model time of each discrete timestep
   * @param range the range of {@link TrainingConfig#times}, or null
   * @return the timesteps whose model time lies in [lo, hi), ascending, or null for every timestep
   * @throws IllegalArgumentException when no timestep lies in the range
   */
  static int[] allowedTimesteps(float[] modelTime, io.diffexit.api.ModelTimeRange range) {
    if (range == null) {
      return null;
    }
    int[] in = java.util.stream.IntStream.range(0, modelTime.length)
        .filter(t -> range.contains(modelTime[t])).toArray();
    if (in.length == 0) {
      throw new IllegalArgumentException("training option times " + range + " holds no timestep: the model times run "
          + "from " + io.diffexit.api.ModelTimeRange.format(modelTime[0]) + " to "
          + io.diffexit.api.ModelTimeRange.format(modelTime[modelTime.length - 1]));
    }
    return in;
  }

  /**
   * Collects what is trained (the backbone unless {@link TrainingConfig#freezeBackbone}, and the strategy's block),
   * freezes the EMA copies and creates the moments.
   *
   * @throws IllegalArgumentException when nothing would be trained
   */
  TrainingStep(TrainerParts p) {
    this.manager = p.manager;
    this.backbone = p.backbone;
    this.data = p.data;
    this.config = p.config;
    NoiseSchedule schedule = p.schedule;
    int steps = schedule.trainTimesteps();
    sqrtAlphaBar = new float[steps];
    sqrtOneMinusAlphaBar = new float[steps];
    modelTime = new float[steps];
    boolean indexTime = true;
    for (int t = 0; t < steps; t++) {
      double ab = schedule.alphaBar(t);
      sqrtAlphaBar[t] = (float) Math.sqrt(ab);
      sqrtOneMinusAlphaBar[t] = (float) Math.sqrt(1 - ab);
      modelTime[t] = (float) schedule.modelTime((t + 1.0) / steps);
      indexTime &= Math.abs(modelTime[t] - t) < 1e-3;
    }
    allowedTimesteps = allowedTimesteps(modelTime, TrainingConfig.timeRange(config.times()));
    timeInput = indexTime
        ? ModelCard.DISCRETE_TIME_INPUT
        : "NoiseSchedule.modelTime((t+1)/T) of " + schedule.name() + " for discrete index t";
    order = new DataOrder(config.seed(), data.images().size());
    if (config.freezeBackbone()) {
      backbone.block().freezeParameters(true);
    } else if (config.freezeTrunk()) {
      collectEarlyExitHeads(p);
    } else {
      collect("backbone/", backbone.block(), p.ema.block());
    }
    ExitStrategy strategy = p.strategy;
    if (strategy != null && strategy.trainable().isPresent()) {
      collect("strategy/", strategy.trainable().get(), p.strategyEma.trainable().orElseThrow());
    }
    if (trained.isEmpty()) {
      throw new IllegalArgumentException(
          "nothing to train: the backbone is frozen and the strategy has no trainable block; drop --freeze-backbone");
    }
    for (NDArray a : trained) {
      requireGradient((PtNDArray) a);
    }
    p.ema.block().freezeParameters(true);
    if (p.strategyEma != null && p.strategyEma.trainable().isPresent()) {
      p.strategyEma.trainable().get().freezeParameters(true);
    }
    adam = new AdamW(trained, config.beta1(), config.beta2(), config.eps(), config.weightDecay(), manager);
    store = new ParameterStore(manager, false);
    objective = strategy == null ? null : strategy.objective().orElse(null);
    checkExitSample(config.exitSample(), backbone.spec().exitPoints().size(), objective,
        p.strategyInfo == null ? null : p.strategyInfo.name());
  }

  /**
   * @throws IllegalArgumentException when a sample of exits is asked for without an objective that supports it, or
   *     is not smaller than the early exits there are
   */
  static void checkExitSample(int sample, int exitPoints, TrainingObjective objective, String strategy) {
    if (sample == 0) {
      return;
    }
    if (objective == null || !objective.supportsExitSampling()) {
      throw new IllegalArgumentException("--exit-sample: " + (strategy == null
          ? "the run has no layer-wise objective (give --strategy)"
          : "strategy '" + strategy + "' has an objective that reads every exit, not a sample")
          + "; drop --exit-sample");
    }
    if (sample >= exitPoints - 1) {
      throw new IllegalArgumentException("--exit-sample " + sample + " must be below the backbone's " + (exitPoints - 1)
          + " early exits; drop it to train every exit");
    }
  }

  /**
   * @param step the 0-based update index
   * @return the exit points whose heads this step trains, ascending: every one without {@code exit-sample}, else
   *     {@code exit-sample} early ones drawn from (seed, step) alone (so a resumed run draws the same) and the last
   */
  static int[] exitsOfStep(long seed, int step, int sample, int exitPoints) {
    if (sample == 0) {
      return java.util.stream.IntStream.range(0, exitPoints).toArray();
    }
    int early = exitPoints - 1;
    int[] order = java.util.stream.IntStream.range(0, early).toArray();
    SplittableRandom rng = new SplittableRandom(Seeds.mix(seed, EXIT_STREAM, step));
    for (int k = 0; k < sample; k++) { // partial Fisher-Yates: the first `sample` entries are a uniform draw
      int j = k + rng.nextInt(early - k);
      int tmp = order[k];
      order[k] = order[j];
      order[j] = tmp;
    }
    int[] out = java.util.Arrays.copyOf(order, sample + 1);
    out[sample] = early;
    java.util.Arrays.sort(out, 0, sample);
    return out;
  }

  /**
   * Makes an array record gradients (arrays loaded from a file come back without) and starts it from no gradient, so
   * the first step does not add to a stale one.
   */
  private static void requireGradient(PtNDArray a) {
    if (!JniUtils.requiresGrad(a)) {
      a.setRequiresGradient(true);
    }
    PtNDArray g = JniUtils.getGradient(a);
    if (g != null) {
      JniUtils.zeroGrad(a);
      g.close();
    }
  }

  /** Freezes the backbone but for the parameters only early exits use, which it collects. */
  private void collectEarlyExitHeads(TrainerParts p) {
    Set<String> heads = backbone.earlyExitHeadParameters();
    if (heads.isEmpty()) {
      throw new IllegalArgumentException("--freeze-trunk: backbone '" + backbone.spec().name() + "' has no early-exit"
          + " heads of its own (its exits share the final head); give it heads per exit where it offers them (uvit:"
          + " --backbone-param exit-heads=per-exit), use --freeze-backbone, or train the whole backbone");
    }
    backbone.block().freezeParameters(true);
    collect("backbone/", backbone.block(), p.ema.block(), heads::contains);
  }

  private void collect(String prefix, Block training, Block averages) {
    collect(prefix, training, averages, name -> true);
  }

  /** Adds the parameters of {@code training} whose names {@code keep} accepts, with their EMA twins. */
  private void collect(String prefix, Block training, Block averages, Predicate<String> keep) {
    ParameterList a = training.getParameters();
    ParameterList b = averages.getParameters();
    for (int i = 0; i < a.size(); i++) {
      if (keep.test(a.get(i).getKey())) {
        trainedNames.add(prefix + a.get(i).getKey());
        trained.add(a.get(i).getValue().getArray());
        averaged.add(b.get(i).getValue().getArray());
      }
    }
  }

  /**
   * @return per-sample min-SNR-γ weights min(SNR, γ)/SNR with SNR = ᾱ/(1−ᾱ), or null when the run weights nothing
   *     (γ = 0)
   */
  private NDArray headWeights(NDManager sm, float[] sqrtAlphaBar, float[] sqrtOneMinusAlphaBar) {
    double gamma = config.exitLossGamma();
    return gamma == 0 ? null : sm.create(minSnrWeights(sqrtAlphaBar, sqrtOneMinusAlphaBar, gamma));
  }

  /** @return min(SNR, γ)/SNR per sample, SNR = ᾱ/(1−ᾱ) from √ᾱ and √(1−ᾱ) */
  static float[] minSnrWeights(float[] sqrtAlphaBar, float[] sqrtOneMinusAlphaBar, double gamma) {
    float[] w = new float[sqrtAlphaBar.length];
    for (int k = 0; k < w.length; k++) {
      double a = sqrtAlphaBar[k];
      double s = sqrtOneMinusAlphaBar[k];
      double snr = a * a / (s * s);
      w[k] = (float) (Math.min(snr, gamma) / snr);
    }
    return w;
  }

  /**
   * @param step the 0-based index of the update to make
   * @return the loss and what else the step measured
   */
  Values run(int step) {
    Engine engine = Engine.getInstance();
    JniUtils.setGradMode(false); // grad mode is thread-local; only the collector below may record
    int batch = config.batch();
    try (NDManager sm = manager.newSubManager()) {
      JniUtils.setSeed(Seeds.mix(config.seed(), NOISE_STREAM, step)); // torch generator: ε and dropout
      NDArray x0 = data.images().batch(sm, order.batch(step, batch));
      SplittableRandom rng = new SplittableRandom(Seeds.mix(config.seed(), TIME_STREAM, step));
      float[] a = new float[batch];
      float[] s = new float[batch];
      float[] mt = new float[batch];
      int steps = sqrtAlphaBar.length;
      for (int k = 0; k < batch; k++) {
        int t = allowedTimesteps == null ? rng.nextInt(steps) : allowedTimesteps[rng.nextInt(allowedTimesteps.length)];
        a[k] = sqrtAlphaBar[t];
        s[k] = sqrtOneMinusAlphaBar[t];
        mt[k] = modelTime[t];
      }
      Shape column = new Shape(batch, 1, 1, 1);
      NDArray noise = sm.randomNormal(x0.getShape());
      NDArray xt = x0.mul(sm.create(a).reshape(column)).addi(noise.mul(sm.create(s).reshape(column)));
      NDArray time = sm.create(mt);
      NDArray loss;
      Map<String, NDArray> terms = Map.of();
      try (GradientCollector gc = engine.newGradientCollector()) {
        Pass pass = backbone.begin(store, xt, time, true);
        int exits = pass.exitPoints();
        int[] used = exitsOfStep(config.seed(), step, config.exitSample(), exits);
        List<NDArray> hidden = new ArrayList<>(used.length);
        List<NDArray> heads = new ArrayList<>(used.length);
        List<Integer> indices = new ArrayList<>(used.length);
        for (int i = 0, next = 0; i < exits; i++) {
          NDArray h = pass.advance();
          if (next < used.length && used[next] == i) { // an exit left out costs no head
            next++;
            if (objective != null || i == exits - 1) {
              hidden.add(h);
              heads.add(pass.head());
              indices.add(i);
            }
          }
        }
        if (objective == null) {
          loss = heads.get(heads.size() - 1).sub(noise).square().mean();
        } else {
          // distilling: the frozen full model's ε̂ is every term's target; with the trunk frozen it carries no
          // gradient anyway, stopGradient keeps it so whatever the freezing
          NDArray target = config.distill() ? heads.get(heads.size() - 1).stopGradient() : noise;
          ObjectiveValue value = objective.loss(new LayerwiseOutputs(hidden, heads, target, time, backbone.spec(),
              headWeights(sm, a, s), indices), store);
          loss = value.total();
          terms = value.terms();
        }
        gc.backward(loss);
      }
      List<NDArray> grads = new ArrayList<>(trained.size());
      List<NDArray> present = new ArrayList<>(trained.size());
      for (NDArray p : trained) {
        PtNDArray g = JniUtils.getGradient((PtNDArray) p); // null when no loss reached the parameter
        if (g != null) {
          g.attach(sm); // attach, not tempAttach: the wrapper must die with the step
          if (config.exitSample() > 0 && g.abs().max().getFloat() == 0) {
            // a head left out this step keeps the zeroed gradient of an earlier one, where a resumed run has none:
            // both count as no gradient (PyTorch's zero_grad(set_to_none)), so AdamW skips it either way
            g = null;
          } else {
            present.add(g);
          }
        }
        grads.add(g);
      }
      double gradNorm = GradientClipping.clip(present, config.gradClip());
      double lr = config.learningRate(step);
      adam.update(trained, grads, lr, sm);
      for (int i = 0; i < trained.size(); i++) {
        if (grads.get(i) != null) {
          JniUtils.zeroGrad((PtNDArray) trained.get(i)); // PyTorch accumulates gradients across backward calls
        }
      }
      Ema.update(trained, averaged, Ema.decayAt(config.emaDecay(), step), sm);
      Map<String, Double> termValues = new LinkedHashMap<>();
      terms.forEach((k, v) -> termValues.put(k, (double) v.getFloat()));
      return new Values(loss.getFloat(), termValues, lr, gradNorm);
    }
  }

  /** @return how the model time was fed, for the card */
  String timeInput() {
    return timeInput;
  }

  /** @return the seeded data order (for the epoch and offset of the trainer state) */
  DataOrder order() {
    return order;
  }

  /** @return the trained parameters' names, in moment order */
  List<String> trainedNames() {
    return trainedNames;
  }

  /** @return the optimizer (moments, update counts) */
  AdamW adam() {
    return adam;
  }

  /** Frees the moments. */
  @Override
  public void close() {
    adam.close();
  }
}
