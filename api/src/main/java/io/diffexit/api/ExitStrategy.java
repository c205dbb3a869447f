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
 */
public interface ExitStrategy extends AutoCloseable {

  /** @return the strategy and its effective parameters, e.g. {@code "fixed(layer=7)"}, for reports */
  String describe();

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
