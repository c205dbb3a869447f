package io.diffexit.api;

import ai.djl.ndarray.NDArray;
import java.util.Optional;

/**
 * One forward pass of a {@link Backbone} over a batch that may shrink as samples exit.
 *
 * <p>Protocol: {@code advance()} runs the next segment and stops at the next exit point; {@code head()} evaluates the
 * exit head g_i on the hidden state of the current exit point for every active sample; {@code retain(mask)} keeps only
 * the masked samples (and everything the backbone holds for them, such as pending skip tensors) for later segments.
 * Arrays returned belong to the manager of the input {@code x}; the caller closes that manager.
 */
public interface Pass {

  /** @return the number of exit points (the last one is the network's normal output) */
  int exitPoints();

  /** @return index of the exit point the pass stands at, or -1 before the first {@link #advance()} */
  int position();

  /** @return the number of samples still active */
  long active();

  /**
   * Runs the layers up to the next exit point.
   *
   * @return the hidden state there for the active samples, shape (B_active, ...) as {@link ExitPointSpec#hiddenShape()}
   * @throws IllegalStateException when the pass already stands at the last exit point
   */
  NDArray advance();

  /**
   * @return the exit head's ε prediction at the current exit point for the active samples, shape (B_active, C, H, W);
   *     the same array on repeated calls at the same position
   */
  NDArray head();

  /**
   * Keeps only the samples where {@code keep} is true, in their current order.
   *
   * @param keep boolean array of shape (B_active)
   */
  void retain(NDArray keep);

  /**
   * @return the hidden state that entered the first segment (U-ViT: the embedded tokens) for the active samples,
   *     while the pass stands before or at its first exit point; empty when the backbone does not expose it
   */
  default Optional<NDArray> input() {
    return Optional.empty();
  }

  /**
   * Evaluates exit point {@code exitPoint}'s head on a hidden state the caller supplies (a cache's stand-in for the
   * layers it did not run). Does not move the pass and works for any number of rows.
   *
   * @param exitPoint the exit point whose head to use
   * @param hidden (n, ...) shaped as that exit point's hidden state
   * @return (n, C, H, W) the head's ε prediction, in the manager of the pass's input
   * @throws UnsupportedOperationException when the backbone cannot evaluate a head on a given state
   */
  default NDArray head(int exitPoint, NDArray hidden) {
    throw new UnsupportedOperationException(
        getClass().getSimpleName() + " cannot evaluate a head on a supplied hidden state");
  }

  /**
   * {@link #head(int, NDArray)} for a chosen subset of the active samples. A backbone whose head also reads the pass
   * input (the U-ViT's convolutional head reads stem features of x) needs to know which samples the rows are; the
   * default ignores {@code rows}.
   *
   * @param exitPoint the exit point whose head to use
   * @param hidden (n, ...) the hidden states of the selected samples, in their order
   * @param rows per active sample whether it is selected; exactly n are true
   * @return (n, C, H, W) the head's ε prediction, in the manager of the pass's input
   */
  default NDArray head(int exitPoint, NDArray hidden, boolean[] rows) {
    return head(exitPoint, hidden);
  }

  /**
   * Places the pass at exit point {@code exitPoint} with {@code hidden} as its hidden state for the active samples,
   * computing only what the layers after it need from the layers before it (a U-Net's encoder skips at the
   * resolutions decoded after it; nothing for a U-ViT resumed at its output). The cost is
   * {@link ExitPointSpec#resumeMacs()} per sample; the pass then continues with {@link #advance()} as usual.
   *
   * @param exitPoint where to resume; its {@code resumeMacs} must be ≥ 0
   * @param hidden (B_active, ...) shaped as that exit point's hidden state
   * @throws IllegalStateException when the pass cannot resume there from where it stands
   * @throws UnsupportedOperationException when the backbone cannot resume at all
   */
  default void resume(int exitPoint, NDArray hidden) {
    throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot resume a pass from a cached state");
  }
}
