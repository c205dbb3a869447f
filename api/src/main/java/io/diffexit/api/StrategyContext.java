package io.diffexit.api;

import ai.djl.ndarray.NDManager;

/**
 * What the host gives a strategy factory.
 *
 * @param backbone the backbone the strategy will decide for (exit points, hidden layouts, depth)
 * @param schedule the noise schedule of the model (for strategies that depend on the timestep)
 * @param manager the long-lived manager for the strategy's own parameters (e.g. DeeDiff's UEM heads)
 */
public record StrategyContext(BackboneSpec backbone, NoiseSchedule schedule, NDManager manager) {}
