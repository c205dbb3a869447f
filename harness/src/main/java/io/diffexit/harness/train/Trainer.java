package io.diffexit.harness.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.diffexit.api.Backbone;
import io.diffexit.api.ExitStrategy;
import io.diffexit.api.NoiseSchedule;
import io.diffexit.api.TrainingObjective;
import io.diffexit.harness.ComponentSpec;
import io.diffexit.harness.UserError;
import io.diffexit.harness.checkpoint.Checkpoint;
import io.diffexit.harness.checkpoint.CheckpointWriter;
import io.diffexit.harness.checkpoint.ModelCard;
import io.diffexit.harness.checkpoint.TrainerState;
import io.diffexit.harness.checkpoint.TrainingConfig;
import io.diffexit.harness.plugins.Registry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * Trains a backbone with ε-prediction, or fine-tunes one together with an exit strategy's trainable block.
 *
 * <p>Per step: a batch x0 in [−1, 1] (seeded permutation per epoch, {@link DataOrder}); t ~ U{0..T−1}; ε ~ N(0, I);
 * x_t = sqrt(ᾱ_t)·x0 + sqrt(1−ᾱ_t)·ε; the backbone's pass is run through every exit point with {@code training=true}
 * and model time = {@link NoiseSchedule#modelTime(double)} of (t+1)/T, i.e. the index t as a float for the built-in
 * schedules. The loss is L_simple = mean over pixels and batch of (ε̂ − ε)² on the final head (other heads are not
 * evaluated), or the strategy's {@link TrainingObjective} over every exit point's hidden state and head when
 * fine-tuning. Then global-norm clipping ({@link GradientClipping}), {@link AdamW} with linear warm-up
 * ({@link TrainingConfig#learningRate}) and the {@link Ema} update.
 *
 * <p>Randomness is a function of (seed, step) only: timesteps come from a Java generator seeded per step, and the
 * engine's generator (ε, dropout) is reseeded per step, so a run resumed from a checkpoint repeats an uninterrupted
 * run exactly (the AdamW moments are saved too). Every temporary lives in a per-step sub-manager; the manager given
 * to the trainer holds only parameters, EMA copies and moments, a fixed number of arrays.
 *
 * <p>This class runs the loop and keeps the run's state (step, loss average, wall time, checkpoints);
 * {@link TrainingStep} makes one update and {@link TrainerSetup} builds the three kinds of start.
 *
 * <p>Not thread-safe; only one trainer may run at a time in a JVM (DJL allows one gradient collector).
 */
public final class Trainer implements AutoCloseable {

  private static final double LOSS_EMA = 0.98;

  private final NDManager manager;
  private final Backbone backbone;
  private final Backbone ema;
  private final ExitStrategy strategy;
  private final ExitStrategy strategyEma;
  private final ModelCard.StrategyInfo strategyInfo;
  private final String parent;
  private final NoiseSchedule schedule;
  private final TrainingData data;
  private final TrainingConfig config;
  private final TrainingStep update;

  private int step;
  // set by another thread (a shutdown hook); read after every step
  private volatile boolean stopRequested;
  private double lossEmaSum;
  private double lossEmaWeight;
  private double lastLoss = Double.NaN;
  private double priorWallSeconds;
  private double sessionSeconds;
  private long sessionImages;

  Trainer(TrainerParts p) {
    this.manager = p.manager;
    this.backbone = p.backbone;
    this.ema = p.ema;
    this.strategy = p.strategy;
    this.strategyEma = p.strategyEma;
    this.strategyInfo = p.strategyInfo;
    this.parent = p.parent;
    this.schedule = p.schedule;
    this.data = p.data;
    this.config = p.config;
    checkImageShape(backbone, data);
    ConvGradientCheck.require();
    this.update = new TrainingStep(p);
  }

  private static void checkImageShape(Backbone backbone, TrainingData data) {
    var s = backbone.spec();
    var im = data.images();
    if (s.channels() != im.channels() || s.height() != im.height() || s.width() != im.width()) {
      throw new IllegalArgumentException(
          "backbone '" + s.name() + "' takes " + s.channels() + "x" + s.height() + "x" + s.width() + " images but "
              + im.name() + " has " + im.channels() + "x" + im.height() + "x" + im.width());
    }
  }

  /**
   * A new training run from freshly initialised weights.
   *
   * @param registry where the backbone factory is looked up
   * @param backboneSpec e.g. {@code uvit:dim=96}
   * @param schedule the forward process
   * @param data the training images
   * @param config hyperparameters (the seed also initialises the weights)
   * @param manager owns parameters, EMA weights and moments (the trainer does not close it)
   * @return the trainer, at step 0
   */
  public static Trainer create(
      Registry registry, ComponentSpec backboneSpec, NoiseSchedule schedule, TrainingData data,
      TrainingConfig config, NDManager manager) {
    return TrainerSetup.create(registry, backboneSpec, schedule, data, config, manager);
  }

  /**
   * Fine-tunes a checkpoint with an exit strategy's objective. Both weight sets start from the base's EMA weights
   * (the better model; DeeDiff likewise starts its EMA from the pretrained weights). With
   * {@link TrainingConfig#freezeBackbone} only the strategy's block is trained. The strategy's parameters start
   * afresh, unless the base was fine-tuned with the same strategy spec: then from its EMA strategy parameters.
   *
   * @param base the base checkpoint folder
   * @param strategySpec e.g. {@code deediff:threshold=0.9}
   */
  public static Trainer finetune(Registry registry, Path base, ComponentSpec strategySpec, NoiseSchedule schedule,
      TrainingData data, TrainingConfig config, NDManager manager) {
    return finetune(registry, base, Map.of(), strategySpec, schedule, data, config, manager);
  }

  /**
   * As {@link #finetune(Registry, Path, ComponentSpec, NoiseSchedule, TrainingData, TrainingConfig, NDManager)}, with
   * backbone parameters that replace the base card's (settings that keep the weights' names and shapes, such as the
   * U-Net's {@code exit-target=x0}); the fine-tune's card records the resulting config.
   *
   * @param backboneParams backbone parameters by name, e.g. {@code exit-target=x0}; empty for the base's own
   */
  public static Trainer finetune(Registry registry, Path base, Map<String, String> backboneParams,
      ComponentSpec strategySpec, NoiseSchedule schedule, TrainingData data, TrainingConfig config,
      NDManager manager) {
    return TrainerSetup.finetune(registry, base, backboneParams, strategySpec, schedule, data, config, manager);
  }

  /**
   * Continues the run a checkpoint was written by (training or fine-tuning) from its last step, with its
   * hyperparameters, training weights, EMA weights and optimizer moments.
   *
   * @param checkpoint a checkpoint written by {@link #run} or {@link #saveCheckpoint}
   * @param data the same images the run trained on (checked against the card's count and name)
   * @param steps the run's total steps, or 0 to keep the card's
   */
  public static Trainer resume(
      Registry registry, Path checkpoint, NoiseSchedule schedule, TrainingData data, int steps, NDManager manager) {
    return resume(registry, checkpoint, schedule, data, c -> steps > 0 ? c.withSteps(steps) : c, manager);
  }

  /**
   * As {@link #resume(Registry, Path, NoiseSchedule, TrainingData, int, NDManager)}, with the settings a resumed run
   * may change: its total steps and its cool-down, as long as every step already made keeps its learning rate.
   *
   * @param changes applied to the card's settings
   * @throws UserError when the changed settings would give a step already made another learning rate
   */
  public static Trainer resume(Registry registry, Path checkpoint, NoiseSchedule schedule, TrainingData data,
      UnaryOperator<TrainingConfig> changes, NDManager manager) {
    return TrainerSetup.resume(registry, checkpoint, schedule, data, changes, manager);
  }

  /** Continues from a checkpoint's trainer state: moments, step, loss average and wall time. */
  void restore(TrainerState state, Path dir) {
    if (!state.parameterNames().equals(update.trainedNames())) {
      throw new UserError(
          "checkpoint " + dir + " trainer state lists " + state.parameterNames().size()
              + " trained parameters that do not match this run's " + update.trainedNames().size());
    }
    try (NDManager tmp = manager.newSubManager()) {
      NDList moments = Checkpoint.readMoments(dir, tmp).orElseThrow(() -> new UserError(
          "checkpoint " + dir + " cannot be resumed: the optimizer moments are missing"));
      try {
        update.adam().load(moments, state.updateCounts());
      } catch (IllegalArgumentException e) {
        throw new UserError("checkpoint " + dir + ": " + e.getMessage(), e);
      }
    }
    step = state.step();
    lossEmaSum = state.lossEmaSum();
    lossEmaWeight = state.lossEmaWeight();
    lastLoss = state.lastLoss();
    priorWallSeconds = state.wallSeconds();
  }

  /**
   * Trains until the configured number of steps, writing a checkpoint every {@code config.checkpointEvery()} steps and
   * at the end.
   *
   * @param out the checkpoint folder (replaced atomically each time)
   * @param command the command line recorded in the card
   * @param listener progress
   * @return the final checkpoint and figures
   */
  public TrainingResult run(Path out, String command, TrainingListener listener) {
    return run(out, command, listener, null);
  }

  /**
   * As {@link #run(Path, String, TrainingListener)}, but also stops (and writes the final checkpoint) once this
   * session has trained for {@code budget}, checked after every step; the card then shows fewer steps done than
   * planned, and {@link #resume} can continue the run. For time-boxed runs such as a demo.
   *
   * @param budget training wall time allowed in this session, or null for no limit
   */
  public TrainingResult run(Path out, String command, TrainingListener listener, Duration budget) {
    long deadline = budget == null ? 0 : System.nanoTime() + budget.toNanos();
    boolean timeUp = false;
    while (step < config.steps() && !timeUp && !stopRequested) {
      trainSteps(1, listener);
      timeUp = stopRequested || budget != null && System.nanoTime() - deadline >= 0;
      int every = config.checkpointEvery();
      if (!timeUp && step < config.steps() && every > 0 && step % every == 0) {
        saveCheckpoint(out, command);
        listener.checkpointWritten(out, step);
      }
    }
    saveCheckpoint(out, command);
    listener.checkpointWritten(out, step);
    TrainingResult result = new TrainingResult(
        out.toAbsolutePath().normalize(), step, lastLoss, smoothedLoss(), wallSeconds(), imagesPerSecond());
    listener.finished(result);
    return result;
  }

  /**
   * Asks a {@link #run} in progress (on another thread, e.g. a shutdown hook on Ctrl-C) to stop after the step it is
   * in and write its checkpoint, as a time budget does; {@link #resume} then continues it bit for bit. Safe to call
   * from any thread, before or during the run.
   */
  public void requestStop() {
    stopRequested = true;
  }

  /** Runs {@code n} optimizer steps (fewer if the configured total is reached). */
  public void trainSteps(int n, TrainingListener listener) {
    for (int i = 0; i < n && step < config.steps(); i++) {
      long start = System.nanoTime();
      TrainingStep.Values v = update.run(step);
      sessionSeconds += (System.nanoTime() - start) / 1e9;
      sessionImages += config.batch();
      step++;
      lastLoss = v.loss();
      lossEmaSum = LOSS_EMA * lossEmaSum + (1 - LOSS_EMA) * v.loss();
      lossEmaWeight = LOSS_EMA * lossEmaWeight + (1 - LOSS_EMA);
      double rate = imagesPerSecond();
      double eta = (config.steps() - step) * (double) config.batch() / rate;
      listener.stepDone(new StepReport(
          step, config.steps(), v.loss(), smoothedLoss(), v.terms(), v.lr(), v.gradNorm(), rate, eta));
      if (!Double.isFinite(v.loss()) || !Double.isFinite(v.gradNorm())) {
        throw new IllegalStateException(
            "training diverged at step " + step + ": the loss is " + v.loss() + " and the gradient norm " + v.gradNorm()
                + "; lower --lr or keep --clip on");
      }
    }
  }

  /**
   * Writes a checkpoint of the current state (training and EMA weights, strategy block, card, trainer state with the
   * AdamW moments) atomically to {@code out}.
   */
  public void saveCheckpoint(Path out, String command) {
    CheckpointWriter.write(out, new CheckpointWriter.Contents(
        card(command, out),
        backbone.block(),
        ema.block(),
        strategy == null ? null : strategy.trainable().orElse(null),
        strategyEma == null ? null : strategyEma.trainable().orElse(null),
        state(),
        update.adam().moments()));
  }

  /**
   * @param out the folder the card is written to; the parent checkpoint is recorded relative to it, so that a
   *     repository of checkpoints can be cloned anywhere
   * @return the model card describing the current state
   */
  public ModelCard card(String command, Path out) {
    var spec = backbone.spec();
    return new ModelCard(
        ModelCard.FORMAT,
        new ModelCard.BackboneInfo(spec.name(), spec.config().asMap()),
        spec.parameterCount(),
        spec.fullMacs(),
        schedule.name(),
        update.timeInput(),
        data.info(),
        config,
        new ModelCard.ResultInfo(step, wallSeconds(), lastLoss, smoothedLoss(), imagesPerSecond()),
        ModelCard.MachineInfo.current(engineDescription()),
        command,
        strategyInfo,
        parent == null ? null : out.toAbsolutePath().normalize().relativize(Path.of(parent)).toString(),
        Instant.now().toString(),
        null); // the weights' SHA-256 are added by CheckpointWriter once the files are written
  }

  private TrainerState state() {
    return new TrainerState(step, config.seed(), update.order().epochOf(step, config.batch()),
        update.order().offsetOf(step, config.batch()), config.emaDecay(), lossEmaSum, lossEmaWeight, lastLoss, wallSeconds(),
        update.trainedNames(), update.adam().updateCounts());
  }

  private static String engineDescription() {
    Engine e = Engine.getInstance();
    return e.getEngineName() + " " + e.getVersion() + " on " + e.defaultDevice();
  }

  /** @return optimizer steps done */
  public int step() {
    return step;
  }

  /** @return the hyperparameters */
  public TrainingConfig config() {
    return config;
  }

  /** @return the backbone with the training weights */
  public Backbone backbone() {
    return backbone;
  }

  /** @return the backbone with the EMA weights (use this one to sample) */
  public Backbone emaBackbone() {
    return ema;
  }

  /** @return the strategy being fine-tuned (training weights), if any */
  public Optional<ExitStrategy> strategy() {
    return Optional.ofNullable(strategy);
  }

  /** @return the strategy with the EMA weights of its block, if any */
  public Optional<ExitStrategy> emaStrategy() {
    return Optional.ofNullable(strategyEma);
  }

  /** @return the names of the trained parameters ({@code backbone/...}, {@code strategy/...}) */
  public List<String> trainedParameterNames() {
    return List.copyOf(update.trainedNames());
  }

  /** @return the loss of the last step (NaN before the first) */
  public double lastLoss() {
    return lastLoss;
  }

  /** @return the bias-corrected moving average of the loss (NaN before the first step) */
  public double smoothedLoss() {
    return lossEmaWeight == 0 ? Double.NaN : lossEmaSum / lossEmaWeight;
  }

  /** @return training wall time of all sessions, in seconds (checkpoint writing excluded) */
  public double wallSeconds() {
    return priorWallSeconds + sessionSeconds;
  }

  /** @return images per second in this session (NaN before the first step) */
  public double imagesPerSecond() {
    return sessionSeconds == 0 ? Double.NaN : sessionImages / sessionSeconds;
  }

  /** Closes the backbones, strategies and moments (not the manager). */
  @Override
  public void close() {
    update.close();
    backbone.close();
    ema.close();
    if (strategy != null) {
      strategy.close();
    }
    if (strategyEma != null) {
      strategyEma.close();
    }
  }
}
