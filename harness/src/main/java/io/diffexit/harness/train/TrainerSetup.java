package io.diffexit.harness.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import io.diffexit.api.BackboneContext;
import io.diffexit.api.NoiseSchedule;
import io.diffexit.api.Params;
import io.diffexit.api.StrategyContext;
import io.diffexit.harness.ComponentSpec;
import io.diffexit.harness.UserError;
import io.diffexit.harness.checkpoint.Checkpoint;
import io.diffexit.harness.checkpoint.CheckpointWriter;
import io.diffexit.harness.checkpoint.ModelCard;
import io.diffexit.harness.checkpoint.ParameterCopy;
import io.diffexit.harness.checkpoint.TrainerState;
import io.diffexit.harness.checkpoint.TrainingConfig;
import io.diffexit.harness.checkpoint.Weights;
import io.diffexit.harness.plugins.Registry;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * The three ways a {@link Trainer} starts: fresh weights, a fine-tune of a checkpoint with an exit strategy, or the
 * continuation of a checkpointed run. Each fills {@link TrainerParts} and closes what it made if a later part fails.
 */
final class TrainerSetup {

  private TrainerSetup() {}

  static Trainer create(Registry registry, ComponentSpec backboneSpec, NoiseSchedule schedule, TrainingData data,
      TrainingConfig config, NDManager manager) {
    TrainerParts p = new TrainerParts(schedule, data, config, manager);
    try {
      Params params = backboneSpec.params().forOwner("backbone '" + backboneSpec.name() + "'");
      var factory = registry.backbone(backboneSpec.name());
      Engine.getInstance().setRandomSeed((int) config.seed());
      p.backbone = factory.create(params, new BackboneContext(manager, config.seed(), schedule));
      p.ema = factory.create(p.backbone.spec().config(), new BackboneContext(manager, config.seed(), schedule));
      copyWeights(p.backbone.block(), p.ema.block());
      return new Trainer(p);
    } catch (RuntimeException e) {
      p.closeAll();
      throw e;
    }
  }

  static Trainer finetune(Registry registry, Path base, Map<String, String> backboneParams,
      ComponentSpec strategySpec, NoiseSchedule schedule, TrainingData data, TrainingConfig config, NDManager manager) {
    TrainerParts p = new TrainerParts(schedule, data, config, manager);
    try {
      Checkpoint ck = Checkpoint.load(base, registry, manager, Weights.EMA, backboneParams);
      p.backbone = ck.backbone();
      checkSchedule(ck.card(), schedule, ck.dir());
      p.ema = Checkpoint.createBackbone(ck.card(), ck.dir(), registry, manager); // the card with the overrides
      copyWeights(p.backbone.block(), p.ema.block());
      p.parent = ck.dir().toAbsolutePath().normalize().toString();
      createStrategies(p, registry, strategySpec);
      p.strategyInfo = new ModelCard.StrategyInfo(
          strategySpec.name(), strategySpec.params().toString(), p.strategy.trainable().isPresent());
      if (sameTrainedStrategy(ck.card(), p.strategyInfo)) {
        // A second fine-tune of a checkpoint with this strategy continues its trained parameters (the EMA ones, as
        // for the backbone) instead of starting them afresh.
        ck.loadStrategyParams(p.strategy);
        copyWeights(p.strategy.trainable().orElseThrow(), p.strategyEma.trainable().orElseThrow());
      }
      return new Trainer(p);
    } catch (RuntimeException e) {
      p.closeAll();
      throw e;
    }
  }

  /** Whether the base was fine-tuned with exactly this strategy (name and parameters) and holds its parameters. */
  private static boolean sameTrainedStrategy(ModelCard base, ModelCard.StrategyInfo strategy) {
    ModelCard.StrategyInfo had = base.strategy();
    return had != null && had.hasParams() && strategy.hasParams() && had.spec().equals(strategy.spec());
  }

  static Trainer resume(Registry registry, Path checkpoint, NoiseSchedule schedule, TrainingData data,
      UnaryOperator<TrainingConfig> changes, NDManager manager) {
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
    if (card.training() == null) {
      throw new UserError(dir.resolve(CheckpointWriter.CARD) + " is corrupt: it has no 'training' section");
    }
    TrainingConfig config = changes.apply(card.training());
    checkPastRates(card.training(), config, state.step(), dir);
    TrainerParts p = new TrainerParts(schedule, data, config, manager);
    Trainer trainer;
    try {
      p.backbone = Checkpoint.createBackbone(card, dir, registry, manager);
      p.ema = Checkpoint.createBackbone(card, dir, registry, manager);
      String what = Checkpoint.describeBackbone(card);
      Checkpoint.loadParameters(p.backbone.block(), dir.resolve(CheckpointWriter.BACKBONE), manager, what, card);
      Checkpoint.loadParameters(p.ema.block(), dir.resolve(CheckpointWriter.BACKBONE_EMA), manager, what, card);
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

  /**
   * Refuses new settings under which a step already made would have had another learning rate: the card would no
   * longer say how the weights were made. With a cool-down that means it may start at the run's step or later, and
   * one already running cannot move.
   */
  private static void checkPastRates(TrainingConfig saved, TrainingConfig resumed, int step, Path dir) {
    int first = Math.min(saved.cooldown() == 0 ? Integer.MAX_VALUE : saved.cooldownStart(),
        resumed.cooldown() == 0 ? Integer.MAX_VALUE : resumed.cooldownStart());
    boolean same = saved.cooldown() == resumed.cooldown() && saved.steps() == resumed.steps();
    if (!same && first < step) {
      throw new UserError("checkpoint " + dir + " is at step " + step + ", so a cool-down must start there or later;"
          + " --steps " + resumed.steps() + " --cooldown " + resumed.cooldown() + " gives steps − cooldown = "
          + resumed.cooldownStart() + (saved.cooldown() == 0 ? "" : " and the saved cool-down started at "
          + saved.cooldownStart()) + ", which would change the rate of steps already made");
    }
  }

  private static void createStrategies(TrainerParts p, Registry registry, ComponentSpec spec) {
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
    ParameterCopy.copyAll(from, to);
  }

}
