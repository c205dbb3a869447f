package io.diffexit.harness.checkpoint;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/**
 * What a resumed run needs beyond the weights, stored as {@code trainer-state/state.json} next to the optimizer moments
 * ({@code trainer-state/optimizer.ndlist}).
 *
 * <p>Randomness is a pure function of (seed, step): the data order is a seeded permutation per epoch and each step
 * reseeds the engine's generator from (seed, step), so the step count is the whole RNG state and a resumed run draws
 * exactly what an uninterrupted one would have drawn.
 *
 * @param step optimizer steps done
 * @param seed the run's seed
 * @param epoch the epoch the next batch starts in (informative; derived from step, batch and data count)
 * @param epochOffset position of the next batch inside that epoch's permutation (informative)
 * @param emaDecay the EMA decay in use
 * @param lossEmaSum the un-normalised loss moving average (for the smoothed loss)
 * @param lossEmaWeight its normaliser, 1 − 0.98^n
 * @param lastLoss the loss of the last step
 * @param wallSeconds training wall time of all sessions so far
 * @param parameterNames the trained parameters, in the order of the moments file (m_i then v_i)
 * @param updateCounts AdamW update count per parameter (for bias correction; a parameter without a gradient in a step
 *     is skipped, as in PyTorch)
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record TrainerState(
    int step,
    long seed,
    long epoch,
    long epochOffset,
    double emaDecay,
    double lossEmaSum,
    double lossEmaWeight,
    double lastLoss,
    double wallSeconds,
    List<String> parameterNames,
    List<Long> updateCounts) {
  public TrainerState {
    parameterNames = parameterNames == null ? List.of() : List.copyOf(parameterNames);
    updateCounts = updateCounts == null ? List.of() : List.copyOf(updateCounts);
  }
}
