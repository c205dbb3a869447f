package io.diffexit.harness.fid;

import java.util.Locale;
import java.util.Objects;

/**
 * One FID as it is printed or stored: the value never travels without the network that made the features, its
 * checksum, the sample counts and the reference it was measured against.
 *
 * @param value the FID (squared Fréchet distance of the feature Gaussians)
 * @param extractorId the feature extractor id, e.g. {@code fmnist-net/penultimate-128}
 * @param checksum the extractor's weights checksum (SHA-256 prefix)
 * @param n1 samples behind the first statistics
 * @param n2 samples behind the reference statistics (0 when a foreign file does not say)
 * @param reference the reference label, e.g. {@code fashion-mnist:test} or a statistics file name
 */
public record FidResult(double value, String extractorId, String checksum, long n1, long n2, String reference) {

  public FidResult {
    Objects.requireNonNull(extractorId, "extractorId");
    Objects.requireNonNull(checksum, "checksum");
    Objects.requireNonNull(reference, "reference");
  }

  /** @return e.g. {@code FID 3.2101 [fmnist-net/penultimate-128@1a2b3c4d5e6f, n=1000 vs 10000, ref fashion-mnist:test]} */
  public String describe() {
    return String.format(Locale.ROOT, "FID %.4f [%s@%s, n=%d vs %s, ref %s]", value, extractorId, checksum, n1,
        n2 > 0 ? Long.toString(n2) : "unknown", reference);
  }

  @Override
  public String toString() {
    return describe();
  }
}
