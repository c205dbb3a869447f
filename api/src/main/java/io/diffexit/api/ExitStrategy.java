package io.diffexit.api;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import java.util.Optional;

/**
 * Decides, at each exit point of a forward pass, which of the active samples stop there.
 *
 * <p>The runner calls {@link #decide} at every exit point but the last (where every remaining sample exits). Samples
 * that exit get the exit head's prediction; the rest continue on a compacted batch. Strategies keep per-sample state
 * keyed by {@link ExitPoint#sampleIds()}, because the active batch shrinks.
 *
 * <p><b>Lifecycle.</b> The runner tells every strategy where it stands, so none has to guess a new pass from the exit
 * point index: {@link #startRun} once per sampling run over one batch (with a manager for state across steps),
 * {@link #startStep} before each sampler step, {@link #startPass} before each forward pass (with a manager for the
 * pass's temporaries, closed right after {@link #endPass}), and {@link #endRun} after the last step. Every method has
 * an empty default. One strategy instance serves one run at a time.
 */
public interface ExitStrategy extends AutoCloseable {

  /** @return the strategy and its effective parameters, e.g. {@code "fixed(layer=7)"}, for reports */
  String describe();

  /**
   * A sampling run over one batch begins; state of an earlier run must be dropped here.
   *
   * @param run the batch size, steps, decision mode and the run's manager
   */
  default void startRun(RunInfo run) {}

  /** @param step the sampler step about to be evaluated, 0 = first (noisiest) */
  default void startStep(int step) {}

  /**
   * A forward pass begins: per-pass state (patience counters, the previous exit point's head) starts here.
   *
   * @param pass the step, the samples entering the pass and a manager for this pass's temporaries
   */
  default void startPass(PassInfo pass) {}

  /** The pass that {@link #startPass} announced has ended; its manager is closed right after this call. */
  default void endPass() {}

  /** The run that {@link #startRun} announced has ended; its manager is closed right after this call. */
  default void endRun() {}

  /**
   * @param point the exit point the pass stands at
   * @return a boolean array of shape (B_active): true where the sample exits here. In
   *     {@link DecisionMode#PER_BATCH} mode a strategy computes its statistic over the whole active batch and returns
   *     a uniform mask; the runner exits the batch only when every entry is true.
   */
  NDArray decide(ExitPoint point);

  /**
   * @param point an exit point of the backbone
   * @return MACs per active sample this strategy spends at that exit point (e.g. a UEM or LTE head), not counting the
   *     backbone's exit head, which the runner charges when {@link ExitPoint#head()} is evaluated
   */
  default long macsPerDecision(ExitPointSpec point) {
    return 0;
  }

  /** @return the strategy's trainable parameters (e.g. DeeDiff's UEM heads), saved and loaded with checkpoints */
  default Optional<Block> trainable() {
    return Optional.empty();
  }

  /** @return the training objective this strategy fine-tunes with; empty means L_simple on the final head */
  default Optional<TrainingObjective> objective() {
    return Optional.empty();
  }

  /**
   * @param point the exit point the pass stands at
   * @return a per-pixel map in [0, 1] of shape (B_active, C, H, W) that explains the decision (DeeDiff: certainty),
   *     for {@code --uncertainty-maps}; empty when the strategy has none
   */
  default Optional<NDArray> pixelMap(ExitPoint point) {
    return Optional.empty();
  }

  /** @return true for a strategy that is an upper bound for research rather than a usable method (e.g. an oracle) */
  default boolean isUpperBound() {
    return false;
  }

  /** Releases the strategy's parameters, if any. */
  @Override
  default void close() {}
}
