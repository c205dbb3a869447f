package io.diffexit.harness.bench;

import io.diffexit.harness.fidelity.PairedFidelity;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a {@link CellExecutor} measures for one cell. Costs are analytic MACs per image (FLOPs = 2 × MACs),
 * counted from the batch sizes actually executed, including exit heads and the strategy's own work.
 *
 * @param macsPerImage MACs per generated image over all sampler steps
 * @param macsByCategory MACs per image by what they were spent on ({@code embed}, {@code backbone}, {@code head},
 *     {@code strategy}; see {@code CostMeter.Category})
 * @param macsByStep MACs per image at each sampler step
 * @param modelTimes the model time of each sampler step (the x axis of per-step plots)
 * @param exitLayers the layer (1-based, as papers count) of each exit point of the backbone
 * @param exitHistogram samples that exited at each exit point, per step: {@code [step][exitPoint]}
 * @param meanExitLayer mean exit layer over all samples and steps
 * @param latencyBatch1 latency per image at batch 1
 * @param latencyLarge latency per image at the experiment's large batch
 * @param quality FID/KID, or {@code null} when the experiment has no reference
 * @param peakMemoryBytes peak resident memory while the cell ran (process high-water mark, native included)
 * @param decisionMode {@code per-sample} or {@code per-batch}, as the runner applied it
 * @param sampleGrid path of a PNG grid of samples, relative to the results folder, or {@code null}
 * @param certaintyMaps paths of certainty-map PNGs (DeeDiff's UEM), relative to the results folder; may be empty
 * @param wallSeconds wall time of the whole cell (sampling, FID, latency)
 * @param samplesFile the cell's 8-bit images ({@code samples-u8.npy}), relative to the results folder, or {@code null}
 *     when the executor saved none (older results)
 * @param fidelity PSNR/SSIM against the full model's samples from the same noise, or {@code null} for the baseline
 *     itself, without a finished baseline, or without saved samples
 * @param reusedFraction fraction of (step, sample) pairs that reused a step-reuse cache (a skipped call, a resumed
 *     pass or a substituted head), or {@code null} in older results
 * @param peakCacheBytes the most bytes a step-reuse cache held at once, or {@code null} in older results
 */
public record CellResult(
    double macsPerImage,
    Map<String, Double> macsByCategory,
    double[] macsByStep,
    double[] modelTimes,
    int[] exitLayers,
    long[][] exitHistogram,
    double meanExitLayer,
    Latency latencyBatch1,
    Latency latencyLarge,
    Quality quality,
    long peakMemoryBytes,
    String decisionMode,
    String sampleGrid,
    List<String> certaintyMaps,
    double wallSeconds,
    String samplesFile,
    PairedFidelity fidelity,
    Double reusedFraction,
    Long peakCacheBytes) {

  /** A result without saved samples or fidelity (executors that keep no images). */
  public CellResult(
      double macsPerImage,
      Map<String, Double> macsByCategory,
      double[] macsByStep,
      double[] modelTimes,
      int[] exitLayers,
      long[][] exitHistogram,
      double meanExitLayer,
      Latency latencyBatch1,
      Latency latencyLarge,
      Quality quality,
      long peakMemoryBytes,
      String decisionMode,
      String sampleGrid,
      List<String> certaintyMaps,
      double wallSeconds) {
    this(macsPerImage, macsByCategory, macsByStep, modelTimes, exitLayers, exitHistogram, meanExitLayer, latencyBatch1,
        latencyLarge, quality, peakMemoryBytes, decisionMode, sampleGrid, certaintyMaps, wallSeconds, null, null,
        null, null);
  }

  public CellResult {
    if (!Double.isFinite(macsPerImage) || macsPerImage < 0) {
      throw new IllegalArgumentException("MACs per image must be finite and non-negative, got " + macsPerImage);
    }
    macsByCategory = Map.copyOf(macsByCategory);
    Objects.requireNonNull(macsByStep, "macsByStep");
    Objects.requireNonNull(modelTimes, "modelTimes");
    Objects.requireNonNull(exitLayers, "exitLayers");
    Objects.requireNonNull(exitHistogram, "exitHistogram");
    if (modelTimes.length != macsByStep.length || exitHistogram.length != macsByStep.length) {
      throw new IllegalArgumentException("per-step arrays differ in length: macsByStep " + macsByStep.length
          + ", modelTimes " + modelTimes.length + ", exitHistogram " + exitHistogram.length);
    }
    for (long[] row : exitHistogram) {
      if (row.length != exitLayers.length) {
        throw new IllegalArgumentException("exit histogram rows need one count per exit point (" + exitLayers.length
            + "), got " + row.length);
      }
    }
    Objects.requireNonNull(latencyBatch1, "latencyBatch1");
    Objects.requireNonNull(latencyLarge, "latencyLarge");
    Objects.requireNonNull(decisionMode, "decisionMode");
    certaintyMaps = certaintyMaps == null ? List.of() : List.copyOf(certaintyMaps);
  }

  /** @return this result with {@code fidelity} set */
  public CellResult withFidelity(PairedFidelity value) {
    return new CellResult(macsPerImage, macsByCategory, macsByStep, modelTimes, exitLayers, exitHistogram,
        meanExitLayer, latencyBatch1, latencyLarge, quality, peakMemoryBytes, decisionMode, sampleGrid, certaintyMaps,
        wallSeconds, samplesFile, value, reusedFraction, peakCacheBytes);
  }

  /** @return FLOPs per image, 2 × MACs (one multiply-accumulate = two floating-point operations) */
  public double flopsPerImage() {
    return 2 * macsPerImage;
  }

  /** @return the fraction of samples exiting at each exit point, per step (rows sum to 1, or 0 without samples) */
  public double[][] exitFractions() {
    double[][] out = new double[exitHistogram.length][];
    for (int s = 0; s < exitHistogram.length; s++) {
      long n = 0;
      for (long c : exitHistogram[s]) {
        n += c;
      }
      out[s] = new double[exitHistogram[s].length];
      for (int e = 0; e < out[s].length; e++) {
        out[s][e] = n == 0 ? 0 : (double) exitHistogram[s][e] / n;
      }
    }
    return out;
  }

  /** @return the mean exit layer at each step (NaN for a step without samples) */
  public double[] meanExitLayerByStep() {
    double[] out = new double[exitHistogram.length];
    for (int s = 0; s < out.length; s++) {
      long n = 0;
      double sum = 0;
      for (int e = 0; e < exitLayers.length; e++) {
        n += exitHistogram[s][e];
        sum += (double) exitHistogram[s][e] * exitLayers[e];
      }
      out[s] = n == 0 ? Double.NaN : sum / n;
    }
    return out;
  }
}
