package io.diffexit.harness.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.nn.ParameterList;
import io.diffexit.api.Backbone;
import io.diffexit.api.BackboneContext;
import io.diffexit.api.ExitStrategy;
import io.diffexit.api.LayerwiseOutputs;
import io.diffexit.api.NoiseSchedule;
import io.diffexit.api.ObjectiveValue;
import io.diffexit.api.Params;
import io.diffexit.api.Pass;
import io.diffexit.api.StrategyContext;
import io.diffexit.api.TrainingObjective;
import io.diffexit.harness.ComponentSpec;
import io.diffexit.harness.checkpoint.Checkpoint;
import io.diffexit.harness.checkpoint.CheckpointWriter;
import io.diffexit.harness.checkpoint.ModelCard;
import io.diffexit.harness.checkpoint.TrainerState;
import io.diffexit.harness.checkpoint.Weights;
import io.diffexit.harness.UserError;
import io.diffexit.harness.plugins.Registry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

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
 * <p>Not thread-safe; only one trainer may run at a time in a JVM (DJL allows one gradient collector).
 */
public final class Trainer implements AutoCloseable {

  private static final long NOISE_STREAM = 0x401_5EL;
  private static final long TIME_STREAM = 0x71_3EL;
  private static final double LOSS_EMA = 0.98;

  private final NDManager manager;
  private final Backbone backbone;
  private final Backbone ema;
  private final ExitStrategy strategy;
  private final ExitStrategy strategyEma;
  private final ModelCard.StrategyInfo strategyInfo;
  private final String parent;
  private final boolean freezeBackbone;
  private final NoiseSchedule schedule;
  private final float[] sqrtAlphaBar;
  private final float[] sqrtOneMinusAlphaBar;
  private final float[] modelTime;
  private final String timeInput;
  private final TrainingData data;
  private final DataOrder order;
  private final TrainingConfig config;
  private final List<NDArray> trained = new ArrayList<>();
  private final List<NDArray> averaged = new ArrayList<>();
  private final List<String> trainedNames = new ArrayList<>();
  private final AdamW adam;
  private final ParameterStore store;
  private final TrainingObjective objective;

  private int step;
  private double lossEmaSum;
  private double lossEmaWeight;
  private double lastLoss = Double.NaN;
  private double priorWallSeconds;
  private double sessionSeconds;
  private long sessionImages;

  private Trainer(Parts p) {
    this.manager = p.manager;
    this.backbone = p.backbone;
    this.ema = p.ema;
    this.strategy = p.strategy;
    this.strategyEma = p.strategyEma;
    this.strategyInfo = p.strategyInfo;
    this.parent = p.parent;
    this.freezeBackbone = p.freezeBackbone;
    this.schedule = p.schedule;
    this.data = p.data;
    this.config = p.config;
    checkImageShape(backbone, data);
    ConvGradientCheck.require();
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
    timeInput = indexTime
        ? ModelCard.DISCRETE_TIME_INPUT
        : "NoiseSchedule.modelTime((t+1)/T) of " + schedule.name() + " for discrete index t";
    order = new DataOrder(config.seed(), data.images().size());
    if (freezeBackbone) {
      backbone.block().freezeParameters(true);
    } else {
      collect("backbone/", backbone.block(), ema.block());
    }
    if (strategy != null && strategy.trainable().isPresent()) {
      collect("strategy/", strategy.trainable().get(), strategyEma.trainable().orElseThrow());
    }
    if (trained.isEmpty()) {
      throw new IllegalArgumentException(
          "nothing to train: the backbone is frozen and the strategy has no trainable block; drop --freeze-backbone");
    }
    for (NDArray a : trained) {
      requireGradient((PtNDArray) a);
    }
    ema.block().freezeParameters(true);
    if (strategyEma != null && strategyEma.trainable().isPresent()) {
      strategyEma.trainable().get().freezeParameters(true);
    }
    adam = new AdamW(trained, config.beta1(), config.beta2(), config.eps(), config.weightDecay(), manager);
    store = new ParameterStore(manager, false);
    objective = strategy == null ? null : strategy.objective().orElse(null);
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

  private void collect(String prefix, Block training, Block averages) {
    ParameterList a = training.getParameters();
    ParameterList b = averages.getParameters();
    for (int i = 0; i < a.size(); i++) {
      trainedNames.add(prefix + a.get(i).getKey());
      trained.add(a.get(i).getValue().getArray());
      averaged.add(b.get(i).getValue().getArray());
    }
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

  /** Everything a trainer is made of; the three factories fill it. */
  private static final class Parts {
    NDManager manager;
    Backbone backbone;
    Backbone ema;
    ExitStrategy strategy;
    ExitStrategy strategyEma;
    ModelCard.StrategyInfo strategyInfo;
    String parent;
    boolean freezeBackbone;
    NoiseSchedule schedule;
    TrainingData data;
    TrainingConfig config;

    void closeAll() {
      for (AutoCloseable c : new AutoCloseable[] {backbone, ema, strategy, strategyEma}) {
        try {
          if (c != null) {
            c.close();
          }
        } catch (Exception ignored) {
          // closing after a failed construction; the original failure is what matters
        }
      }
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
    Parts p = parts(schedule, data, config, manager);
    try {
      Params params = backboneSpec.params().forOwner("backbone '" + backboneSpec.name() + "'");
      var factory = registry.backbone(backboneSpec.name());
      Engine.getInstance().setRandomSeed((int) config.seed());
      p.backbone = factory.create(params, new BackboneContext(manager, config.seed()));
      p.ema = factory.create(p.backbone.spec().config(), new BackboneContext(manager, config.seed()));
      copyWeights(p.backbone.block(), p.ema.block());
      return new Trainer(p);
    } catch (RuntimeException e) {
      p.closeAll();
      throw e;
    }
  }

  /**
   * Fine-tunes a checkpoint with an exit strategy's objective. Both weight sets start from the base's EMA weights
   * (the better model; DeeDiff likewise starts its EMA from the pretrained weights).
   *
   * @param base the base checkpoint folder
   * @param strategySpec e.g. {@code deediff:threshold=0.9}
   * @param freezeBackbone train only the strategy's block (the backbone's weights stay bit-identical)
   */
  public static Trainer finetune(
      Registry registry, Path base, ComponentSpec strategySpec, boolean freezeBackbone, NoiseSchedule schedule,
      TrainingData data, TrainingConfig config, NDManager manager) {
    Parts p = parts(schedule, data, config, manager);
    try {
      Checkpoint ck = Checkpoint.load(base, registry, manager, Weights.EMA);
      p.backbone = ck.backbone();
      checkSchedule(ck.card(), schedule, ck.dir());
      p.ema = Checkpoint.createBackbone(ck.card(), ck.dir(), registry, manager);
      copyWeights(p.backbone.block(), p.ema.block());
      p.parent = ck.dir().toAbsolutePath().normalize().toString();
      p.freezeBackbone = freezeBackbone;
      createStrategies(p, registry, strategySpec);
      p.strategyInfo = new ModelCard.StrategyInfo(
          strategySpec.name(), strategySpec.params().toString(), p.strategy.trainable().isPresent());
      return new Trainer(p);
    } catch (RuntimeException e) {
      p.closeAll();
      throw e;
    }
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
    ModelCard card = Checkpoint.readCard(checkpoint);
    Path dir = Checkpoint.resolve(checkpoint);
    TrainerState state = Checkpoint.readState(dir).orElseThrow(() -> new UserError(
        "checkpoint " + dir + " cannot be resumed: it has no " + CheckpointWriter.STATE_DIR + " folder"));
    checkSchedule(card, schedule, dir);
    ModelCard.DataInfo d = card.data();
    if (d != null && (d.count() != data.images().size() || !d.name().equals(data.images().name()))) {
      throw new UserError(
          "checkpoint " + dir + " was trained on " + d.count() + " images of " + d.name() + " but resuming got "
              + data.images().size() + " of " + data.images().name() + "; pass the same --data and --limit");
    }
    ModelCard.TrainingInfo t = card.training();
    if (t == null) {
      throw new UserError(dir.resolve(CheckpointWriter.CARD) + " is corrupt: it has no 'training' section");
    }
    TrainingConfig config = new TrainingConfig(
        steps > 0 ? steps : t.steps(), t.batch(), t.lr(), t.warmup(), t.weightDecay(), t.beta1(), t.beta2(), t.eps(),
        t.emaDecay(), t.gradClip(), t.seed(), t.checkpointEvery());
    Parts p = parts(schedule, data, config, manager);
    Trainer trainer;
    try {
      p.backbone = Checkpoint.createBackbone(card, dir, registry, manager);
      p.ema = Checkpoint.createBackbone(card, dir, registry, manager);
      String what = Checkpoint.describeBackbone(card);
      Checkpoint.loadParameters(p.backbone.block(), dir.resolve(CheckpointWriter.BACKBONE), manager, what, card);
      Checkpoint.loadParameters(p.ema.block(), dir.resolve(CheckpointWriter.BACKBONE_EMA), manager, what, card);
      p.freezeBackbone = t.freezeBackbone();
      p.parent = card.parent() == null ? null : dir.resolve(card.parent()).toAbsolutePath().normalize().toString();
      if (card.strategy() != null) {
        createStrategies(p, registry, ComponentSpec.parse(card.strategy().spec()));
        p.strategyInfo = card.strategy();
        if (card.strategy().hasParams()) {
          String sw = "exit strategy '" + card.strategy().name() + "'";
          Checkpoint.loadParameters(
              p.strategy.trainable().orElseThrow(), dir.resolve(CheckpointWriter.STRATEGY), manager, sw, card);
          Checkpoint.loadParameters(
              p.strategyEma.trainable().orElseThrow(), dir.resolve(CheckpointWriter.STRATEGY_EMA), manager, sw, card);
        }
      }
      trainer = new Trainer(p);
    } catch (RuntimeException e) {
      p.closeAll();
      throw e;
    }
    try {
      trainer.restore(state, dir);
    } catch (RuntimeException e) {
      trainer.close();
      throw e;
    }
    return trainer;
  }

  private void restore(TrainerState state, Path dir) {
    if (!state.parameterNames().equals(trainedNames)) {
      throw new UserError(
          "checkpoint " + dir + " trainer state lists " + state.parameterNames().size()
              + " trained parameters that do not match this run's " + trainedNames.size());
    }
    try (NDManager tmp = manager.newSubManager()) {
      NDList moments = Checkpoint.readMoments(dir, tmp).orElseThrow(() -> new UserError(
          "checkpoint " + dir + " cannot be resumed: the optimizer moments are missing"));
      try {
        adam.load(moments, state.updateCounts());
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

  private static Parts parts(NoiseSchedule schedule, TrainingData data, TrainingConfig config, NDManager manager) {
    Parts p = new Parts();
    p.manager = manager;
    p.schedule = schedule;
    p.data = data;
    p.config = config;
    return p;
  }

  private static void createStrategies(Parts p, Registry registry, ComponentSpec spec) {
    var factory = registry.strategy(spec.name());
    Params params = spec.params().forOwner("exit strategy '" + spec.name() + "'");
    StrategyContext context = new StrategyContext(p.backbone.spec(), p.schedule, p.manager);
    Engine.getInstance().setRandomSeed((int) p.config.seed());
    p.strategy = factory.create(params, context);
    p.strategyEma = factory.create(params, context);
    if (p.strategy.trainable().isPresent()) {
      copyWeights(p.strategy.trainable().get(), p.strategyEma.trainable().orElseThrow());
    }
  }

  private static void checkSchedule(ModelCard card, NoiseSchedule schedule, Path dir) {
    if (card.schedule() != null && !card.schedule().equals(schedule.name())) {
      throw new UserError(
          "checkpoint " + dir + " was trained with noise schedule " + card.schedule() + ", not " + schedule.name());
    }
  }

  private static void copyWeights(Block from, Block to) {
    ParameterList a = from.getParameters();
    ParameterList b = to.getParameters();
    if (a.size() != b.size()) {
      throw new IllegalStateException("EMA copy has " + b.size() + " parameters, the model " + a.size());
    }
    boolean grad = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try {
      for (int i = 0; i < a.size(); i++) {
        a.get(i).getValue().getArray().copyTo(b.get(i).getValue().getArray());
      }
    } finally {
      JniUtils.setGradMode(grad);
    }
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
    while (step < config.steps() && !timeUp) {
      trainSteps(1, listener);
      timeUp = budget != null && System.nanoTime() - deadline >= 0;
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

  /** Runs {@code n} optimizer steps (fewer if the configured total is reached). */
  public void trainSteps(int n, TrainingListener listener) {
    for (int i = 0; i < n && step < config.steps(); i++) {
      long start = System.nanoTime();
      StepValues v = oneStep();
      sessionSeconds += (System.nanoTime() - start) / 1e9;
      sessionImages += config.batch();
      step++;
      lastLoss = v.loss;
      lossEmaSum = LOSS_EMA * lossEmaSum + (1 - LOSS_EMA) * v.loss;
      lossEmaWeight = LOSS_EMA * lossEmaWeight + (1 - LOSS_EMA);
      double rate = imagesPerSecond();
      double eta = (config.steps() - step) * (double) config.batch() / rate;
      listener.stepDone(new StepReport(
          step, config.steps(), v.loss, smoothedLoss(), v.terms, v.lr, v.gradNorm, rate, eta));
      if (!Double.isFinite(v.loss) || !Double.isFinite(v.gradNorm)) {
        throw new IllegalStateException(
            "training diverged at step " + step + ": the loss is " + v.loss + " and the gradient norm " + v.gradNorm
                + "; lower --lr or keep --clip on");
      }
    }
  }

  private record StepValues(double loss, Map<String, Double> terms, double lr, double gradNorm) {}

  private StepValues oneStep() {
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
        int t = rng.nextInt(steps);
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
        List<NDArray> hidden = new ArrayList<>(exits);
        List<NDArray> heads = new ArrayList<>(exits);
        for (int i = 0; i < exits; i++) {
          hidden.add(pass.advance());
          if (objective != null || i == exits - 1) {
            heads.add(pass.head());
          }
        }
        if (objective == null) {
          loss = heads.get(heads.size() - 1).sub(noise).square().mean();
        } else {
          ObjectiveValue value =
              objective.loss(new LayerwiseOutputs(hidden, heads, noise, time, backbone.spec()), store);
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
          present.add(g);
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
      return new StepValues(loss.getFloat(), termValues, lr, gradNorm);
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
        adam.moments()));
  }

  /**
   * @param out the folder the card is written to; the parent checkpoint is recorded relative to it, so that a
   *     repository of checkpoints can be cloned anywhere
   * @return the model card describing the current state
   */
  public ModelCard card(String command, Path out) {
    var spec = backbone.spec();
    var c = config;
    return new ModelCard(
        ModelCard.FORMAT,
        new ModelCard.BackboneInfo(spec.name(), spec.config().asMap()),
        spec.parameterCount(),
        spec.fullMacs(),
        schedule.name(),
        timeInput,
        data.info(),
        new ModelCard.TrainingInfo(c.steps(), c.batch(), c.lr(), c.warmup(), c.weightDecay(), c.beta1(), c.beta2(),
            c.eps(), c.emaDecay(), c.gradClip(), c.seed(), freezeBackbone, c.checkpointEvery()),
        new ModelCard.ResultInfo(step, wallSeconds(), lastLoss, smoothedLoss(), imagesPerSecond()),
        ModelCard.MachineInfo.current(engineDescription()),
        command,
        strategyInfo,
        parent == null ? null : out.toAbsolutePath().normalize().relativize(Path.of(parent)).toString(),
        Instant.now().toString(),
        null); // the weights' SHA-256 are added by CheckpointWriter once the files are written
  }

  private TrainerState state() {
    return new TrainerState(step, config.seed(), order.epochOf(step, config.batch()),
        order.offsetOf(step, config.batch()), config.emaDecay(), lossEmaSum, lossEmaWeight, lastLoss, wallSeconds(),
        trainedNames, adam.updateCounts());
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
    return List.copyOf(trainedNames);
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
    adam.close();
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
