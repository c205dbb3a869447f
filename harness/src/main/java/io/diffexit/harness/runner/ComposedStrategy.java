package io.diffexit.harness.runner;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import io.diffexit.api.ExitPoint;
import io.diffexit.api.ExitPointSpec;
import io.diffexit.api.ExitStrategy;
import io.diffexit.api.HindsightExitStrategy;
import io.diffexit.api.PassInfo;
import io.diffexit.api.ReusePlan;
import io.diffexit.api.RunInfo;
import io.diffexit.api.StepInput;
import io.diffexit.api.StepOutcome;
import io.diffexit.api.StepReuseStrategy;
import io.diffexit.api.Substitution;
import io.diffexit.api.TrainingObjective;
import java.util.Optional;

/**
 * A step-reuse strategy and an exit strategy in one cell ({@code block-cache+deediff}): the cache decides across steps
 * (plan, substitute, finish), the exit strategy within each pass that runs (decide, its heads and maps, its trained
 * parameters). Both see the whole lifecycle. Owns and closes both.
 */
public final class ComposedStrategy implements StepReuseStrategy {

  private final StepReuseStrategy reuse;
  private final ExitStrategy exit;

  /**
   * @param reuse the step-reuse part
   * @param exit the exit part; not a hindsight strategy (it needs the full network at every step)
   */
  public ComposedStrategy(StepReuseStrategy reuse, ExitStrategy exit) {
    if (exit instanceof HindsightExitStrategy || exit instanceof StepReuseStrategy) {
      throw new IllegalArgumentException(
          "cannot compose " + reuse.describe() + " with " + exit.describe() + ": the second part must be an exit "
              + "strategy that decides within a pass");
    }
    this.reuse = reuse;
    this.exit = exit;
  }

  /** @return the step-reuse part */
  public StepReuseStrategy reuse() {
    return reuse;
  }

  /** @return the exit part */
  public ExitStrategy exit() {
    return exit;
  }

  @Override
  public String describe() {
    return reuse.describe() + "+" + exit.describe();
  }

  @Override
  public void startRun(RunInfo run) {
    reuse.startRun(run);
    exit.startRun(run);
  }

  @Override
  public void startStep(int step) {
    reuse.startStep(step);
    exit.startStep(step);
  }

  @Override
  public void startPass(PassInfo pass) {
    reuse.startPass(pass);
    exit.startPass(pass);
  }

  @Override
  public void endPass() {
    exit.endPass();
    reuse.endPass();
  }

  @Override
  public void endRun() {
    exit.endRun();
    reuse.endRun();
  }

  @Override
  public ReusePlan plan(StepInput step) {
    return reuse.plan(step);
  }

  @Override
  public Optional<Substitution> substitute(ExitPoint point) {
    return reuse.substitute(point);
  }

  @Override
  public long finish(StepOutcome outcome) {
    return reuse.finish(outcome);
  }

  @Override
  public long cacheBytes() {
    return reuse.cacheBytes();
  }

  @Override
  public boolean exits() {
    return true;
  }

  @Override
  public NDArray decide(ExitPoint point) {
    return exit.decide(point);
  }

  @Override
  public long macsPerDecision(ExitPointSpec point) {
    return exit.macsPerDecision(point);
  }

  @Override
  public Optional<Block> trainable() {
    return exit.trainable();
  }

  @Override
  public Optional<TrainingObjective> objective() {
    return exit.objective();
  }

  @Override
  public Optional<NDArray> pixelMap(ExitPoint point) {
    return exit.pixelMap(point);
  }

  @Override
  public void close() {
    try {
      exit.close();
    } finally {
      reuse.close();
    }
  }
}
