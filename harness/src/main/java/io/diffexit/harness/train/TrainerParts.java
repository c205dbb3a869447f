package io.diffexit.harness.train;

import ai.djl.ndarray.NDManager;
import io.diffexit.api.Backbone;
import io.diffexit.api.ExitStrategy;
import io.diffexit.api.NoiseSchedule;
import io.diffexit.harness.checkpoint.ModelCard;
import io.diffexit.harness.checkpoint.TrainingConfig;

/** Everything a {@link Trainer} is made of; {@link TrainerSetup}'s three ways of starting a run fill it. */
final class TrainerParts {
  NDManager manager;
  Backbone backbone;
  Backbone ema;
  ExitStrategy strategy;
  ExitStrategy strategyEma;
  ModelCard.StrategyInfo strategyInfo;
  /** absolute path of the checkpoint a fine-tune started from, or null */
  String parent;
  NoiseSchedule schedule;
  TrainingData data;
  TrainingConfig config;

  TrainerParts(NoiseSchedule schedule, TrainingData data, TrainingConfig config, NDManager manager) {
    this.schedule = schedule;
    this.data = data;
    this.config = config;
    this.manager = manager;
  }

  /** Closes what was created so far, after a failed construction. */
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
