package io.diffexit.harness.bench;

import java.util.Objects;

/**
 * FID and KID of a cell's samples against the reference statistics, with what they were computed from (an FID is
 * only comparable with the same extractor, sample count and reference).
 *
 * @param fid Fréchet distance (pytorch-fid's definition)
 * @param kid kernel inception distance (mean over subsets), or {@code null} when not computed
 * @param kidStd standard deviation of KID over subsets, or {@code null}
 * @param extractor feature extractor id, e.g. {@code fmnist-net}
 * @param extractorChecksum SHA-256 of the extractor's weights, so that two reports can tell whether they match
 * @param samples number of generated images the statistics use
 * @param referenceSplit the split of the reference statistics, e.g. {@code test}
 * @param floorFid FID of as many real images of the other split (a seeded random subset) against the same reference:
 *     what a perfect generator would score at this sample count; {@code null} when not measured (older results)
 * @param floorSplit the split the floor's real images come from, e.g. {@code train}; {@code null} with no floor
 */
public record Quality(
    double fid, Double kid, Double kidStd, String extractor, String extractorChecksum, int samples,
    String referenceSplit,
    Double floorFid,
    String floorSplit) {

  /** A quality without a real-data floor. */
  public Quality(double fid, Double kid, Double kidStd, String extractor, String extractorChecksum, int samples,
      String referenceSplit) {
    this(fid, kid, kidStd, extractor, extractorChecksum, samples, referenceSplit, null, null);
  }

  public Quality {
    if (!Double.isFinite(fid) || fid < 0) {
      throw new IllegalArgumentException("FID must be finite and non-negative, got " + fid);
    }
    Objects.requireNonNull(extractor, "extractor");
    Objects.requireNonNull(extractorChecksum, "extractorChecksum");
    Objects.requireNonNull(referenceSplit, "referenceSplit");
  }
}
