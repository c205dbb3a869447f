package io.diffexit.api;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Optional;

/**
 * A training-free cache across sampler steps (DeepCache, first-block cache, AdaptiveDiffusion step skipping): it keeps
 * per-sample state from step to step and lets a sample reuse that state instead of running (part of) the network.
 *
 * <p>Per step, for the run's samples, the runner asks:
 *
 * <ol>
 *   <li>{@link #plan}: before the network runs, which samples reuse, either skipping the denoiser call (their ε is
 *       given) or resuming a pass at an inner exit point from a cached hidden state ({@link Pass#resume});
 *   <li>{@link #substitute}: at every exit point a running pass reaches (the last one included), before any exit
 *       decision, which of the active samples stop running and take the head of a later exit point on a hidden state the
 *       cache supplies (the first-block cache: the first block's output plus the cached residual of all the others);
 *   <li>{@link #finish}: after the step, the ε every sample got, how it got it, and the hidden state where each
 *       sample that ran stopped, to refresh the cache.
 * </ol>
 *
 * <p>Decisions are per sample by default, and a sample's decisions must depend only on its own state, so batch mates
 * do not change each other's images. In {@link DecisionMode#PER_BATCH} mode a strategy computes its statistic over
 * the whole batch and returns uniform masks; the runner reuses for the batch only when every entry agrees.
 *
 * <p>As an {@link ExitStrategy}, a step-reuse strategy never exits by itself ({@link #decide} returns false
 * everywhere); the harness composes it with an exit strategy for the exits within a pass.
 *
 * <p>Costs: the runner does not charge the layers a reusing sample skips; it charges the embedding and the layers
 * that do run, {@link ExitPointSpec#resumeMacs()} on a resume, the head evaluated on a substitute, and the cache's
 * own work as the strategy reports it ({@link ReusePlan#macs()}, {@link Substitution#macs()}, the return value of
 * {@link #finish}) in {@link CostMeter.Category#CACHE}.
 */
public interface StepReuseStrategy extends ExitStrategy {

  /**
   * @param step the step's inputs for every sample of the run, in sample-id order
   * @return which samples reuse and with what; {@link ReusePlan#runAll(long)} when none does
   */
  ReusePlan plan(StepInput step);

  /**
   * @param point an exit point other than the last that a pass reached from the start (not a resumed pass), with the
   *     active samples
   * @return the samples that take a substitute instead of running on; empty when none does
   */
  default Optional<Substitution> substitute(ExitPoint point) {
    return Optional.empty();
  }

  /**
   * @param outcome what the step produced for every sample
   * @return MACs (all samples together) the cache spent refreshing itself, charged to {@link CostMeter.Category#CACHE}
   */
  long finish(StepOutcome outcome);

  /** @return bytes the cache holds now (all samples), for the peak-memory figure of the run */
  long cacheBytes();

  /**
   * @return whether {@link #decide} can return true: false for a step-reuse strategy alone (the runner then makes no
   *     exit decisions), true for a composition with an exit strategy
   */
  default boolean exits() {
    return false;
  }

  /** A step-reuse strategy never exits: the exit strategy composed with it does. */
  @Override
  default NDArray decide(ExitPoint point) {
    long b = point.hidden().getShape().get(0);
    return point.hidden().getManager().zeros(new Shape(b), DataType.BOOLEAN);
  }
}
