package io.diffexit.api;

import ai.djl.ndarray.NDArray;
import java.util.Optional;

/** What a strategy sees when the pass stands at an exit point. Valid only during the {@code decide} call. */
public interface ExitPoint {

  /** @return the exit point's static description */
  ExitPointSpec spec();

  /** @return the backbone's description (all exit points, image shape) */
  BackboneSpec backbone();

  /** @return hidden state of the active samples at this exit point */
  NDArray hidden();

  /** @return hidden state of the active samples at the previous exit point, empty at the first one */
  Optional<NDArray> previousHidden();

  /**
   * @return the hidden state that entered the pass's first segment (see {@link Pass#input()}), for the active
   *     samples; empty when the backbone does not expose it or the pass has moved past its first exit point
   */
  default Optional<NDArray> passInput() {
    return Optional.empty();
  }

  /**
   * Evaluates (once) and returns the exit head's ε prediction for the active samples. The runner charges its MACs
   * for every active sample the first time it is called.
   *
   * @return (B_active, C, H, W)
   */
  NDArray head();

  /** @return model time of the active samples, shape (B_active), float32 */
  NDArray modelTime();

  /** @return the active samples' positions in the original batch, shape (B_active), int64 */
  NDArray sampleIds();

  /** @return the size of the original batch of this denoiser call */
  long batchSize();

  /** @return the sampler step (0 = first, noisiest) */
  int step();

  /** @return the number of sampler steps in this run */
  int steps();

  /** @return per-sample or per-batch decisions */
  DecisionMode mode();
}
