package io.diffexit.harness.train;

import java.nio.file.Path;

/**
 * The outcome of {@link Trainer#run}.
 *
 * @param checkpoint the folder of the final checkpoint
 * @param steps steps done in total (all sessions)
 * @param finalLoss the last step's loss
 * @param lossEma the smoothed loss at the end
 * @param wallSeconds training wall time of all sessions
 * @param imagesPerSecond throughput of this session
 */
public record TrainingResult(
    Path checkpoint, int steps, double finalLoss, double lossEma, double wallSeconds, double imagesPerSecond) {}
