package io.diffexit.api;

import ai.djl.ndarray.NDArray;

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
}
