package io.diffexit.harness.bench;

import java.util.Objects;

/**
 * The reference statistics FID and KID are computed against.
 *
 * @param stats the {@code .npz} file ({@code mu}, {@code sigma}, and the features for KID), as written in the
 *     experiment (relative paths are resolved against the experiment file's folder)
 * @param extractor the feature extractor id, e.g. {@code fmnist-net}
 * @param split which data the statistics come from, e.g. {@code test} (10k) or {@code train}; reports state it
 */
public record Reference(String stats, String extractor, String split) {
  public Reference {
    Objects.requireNonNull(stats, "stats");
    Objects.requireNonNull(extractor, "extractor");
    Objects.requireNonNull(split, "split");
  }
}
