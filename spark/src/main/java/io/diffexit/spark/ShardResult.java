package io.diffexit.spark;

import io.diffexit.harness.fid.FeatureSums;
import java.io.Serializable;

/**
 * What one sample shard sends back to the driver: the exact counts (exit points per step and sample, MACs by
 * category and step), the FID sums of its features, the feature rows KID draws, the images of the samples the cell's
 * grid shows and the certainty maps of its first samples. Plain arrays, so that it travels with Java serialization.
 *
 * @param first index of the shard's first sample in the cell's run
 * @param count samples in the shard
 * @param exitPoints the backbone's number of exit points
 * @param exits exit point per step and sample, {@code [step][sample in shard]}, -1 where none was recorded
 * @param reused whether the sample reused a step-reuse cache at that step, {@code [step][sample in shard]}
 * @param peakCacheBytes the most bytes the strategy's step-reuse cache held at once in the shard
 * @param modelTimes the model time of each step
 * @param macsByCategory MACs by {@code CostMeter.Category} ordinal, all samples of the shard
 * @param macsByStep MACs at each step, all samples of the shard
 * @param featureSums count, Σf and Σffᵀ of the shard's generated features; null without a reference
 * @param kidIndices the run indices of the rows in {@code kidRows}
 * @param kidRows feature rows that KID's subsets draw
 * @param gridImages images of the shard's samples below {@link SparkCellExecutor#GRID_SAMPLES}, (N, C, H, W) flat
 * @param pixels every sample of the shard as the 8-bit image it is saved as (N, C, H, W), for PSNR/SSIM against the
 *     full model's samples from the same noise
 * @param mapSamples run index of each certainty map
 * @param mapSteps sampler step of each certainty map
 * @param mapExitPoints exit point of each certainty map
 * @param mapValues values of each certainty map
 * @param batchSeconds wall time of each sampling batch (shards run concurrently: not a latency)
 * @param channels C
 * @param height H
 * @param width W
 * @param strategy the strategy as it describes itself
 * @param upperBound whether it is a research upper bound
 * @param sampler the sampler as it describes itself
 * @param schedule the noise schedule sampled with
 * @param device where it ran
 * @param threads intra-op threads of the task
 * @param executor the executor id
 * @param peakMemoryBytes the executor process's peak resident memory after the shard
 * @param taskSeconds wall time of the whole task
 */
record ShardResult(
    int first,
    int count,
    int exitPoints,
    int[][] exits,
    boolean[][] reused,
    long peakCacheBytes,
    double[] modelTimes,
    long[] macsByCategory,
    long[] macsByStep,
    FeatureSums featureSums,
    int[] kidIndices,
    float[][] kidRows,
    float[] gridImages,
    byte[] pixels,
    int[] mapSamples,
    int[] mapSteps,
    int[] mapExitPoints,
    float[][] mapValues,
    double[] batchSeconds,
    int channels,
    int height,
    int width,
    String strategy,
    boolean upperBound,
    String sampler,
    String schedule,
    String device,
    int threads,
    String executor,
    long peakMemoryBytes,
    double taskSeconds) implements Serializable {

  private static final long serialVersionUID = 1L;
}
