package io.diffexit.harness.train;

import java.util.Map;

/**
 * What one optimizer step reports.
 *
 * @param step steps done, 1-based
 * @param totalSteps steps of the whole run
 * @param loss this step's loss
 * @param smoothedLoss bias-corrected moving average of the loss (decay 0.98)
 * @param terms the objective's named terms this step (empty for L_simple)
 * @param lr the learning rate used
 * @param gradNorm the global gradient norm before clipping
 * @param imagesPerSecond throughput of this session so far
 * @param etaSeconds estimated time to the last step
 */
public record StepReport(
    int step,
    int totalSteps,
    double loss,
    double smoothedLoss,
    Map<String, Double> terms,
    double lr,
    double gradNorm,
    double imagesPerSecond,
    double etaSeconds) {
  public StepReport {
    terms = Map.copyOf(terms);
  }
}
