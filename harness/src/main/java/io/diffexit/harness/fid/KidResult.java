package io.diffexit.harness.fid;

import java.util.Locale;
import java.util.Objects;

/**
 * One KID as it is printed or stored, with the same provenance as {@link FidResult} plus the subset settings.
 *
 * @param estimate mean ± std over subsets
 * @param extractorId the feature extractor id
 * @param checksum the extractor's weights checksum
 * @param n1 samples on the first side
 * @param n2 samples on the reference side
 * @param reference the reference label
 * @param seed the subset seed
 */
public record KidResult(
    KernelDistance.Estimate estimate, String extractorId, String checksum, long n1, long n2, String reference,
    long seed) {

  public KidResult {
    Objects.requireNonNull(estimate, "estimate");
    Objects.requireNonNull(extractorId, "extractorId");
    Objects.requireNonNull(checksum, "checksum");
    Objects.requireNonNull(reference, "reference");
  }

  /** @return e.g. {@code KID 0.00123 ± 0.00045 [fmnist-net/...@..., n=1000 vs 10000, 100 subsets of 1000, seed 0, ref ...]} */
  public String describe() {
    return String.format(Locale.ROOT, "KID %.6g ± %.3g [%s@%s, n=%d vs %d, %d subsets of %d, seed %d, ref %s]",
        estimate.mean(), estimate.std(), extractorId, checksum, n1, n2, estimate.subsets(), estimate.subsetSize(),
        seed, reference);
  }

  @Override
  public String toString() {
    return describe();
  }
}
