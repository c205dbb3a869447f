package io.diffexit.harness.train;

import java.nio.file.Path;

/** Hears about a training run's progress (progress bars, tests). */
public interface TrainingListener {

  /** Called after every optimizer step. */
  void stepDone(StepReport report);

  /** Called after a checkpoint was written. */
  default void checkpointWritten(Path dir, int step) {}

  /** Called once when the run ends normally. */
  default void finished(TrainingResult result) {}

  /** @return a listener that ignores everything */
  static TrainingListener none() {
    return r -> {};
  }
}
