package io.diffexit.harness.features;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.diffexit.api.DiffexitPlugin;
import io.diffexit.api.FeatureExtractor;
import io.diffexit.api.FeatureExtractorContext;
import io.diffexit.api.FeatureExtractorFactory;
import io.diffexit.harness.ComponentSpec;
import io.diffexit.harness.data.ImageSet;
import io.diffexit.harness.fid.Features;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ServiceLoader;
import java.util.TreeSet;

/**
 * Finds feature extractors by name among the {@link DiffexitPlugin}s on the class path, resolves the diffexit home,
 * and runs an extractor over an {@link ImageSet} in batches.
 */
public final class FeatureExtractors {

  /** System property naming the diffexit home. */
  public static final String HOME_PROPERTY = "diffexit.home";

  private FeatureExtractors() {}

  /**
   * The diffexit home, against which relative weight paths resolve: the system property {@value #HOME_PROPERTY}, else
   * the environment variable {@code DIFFEXIT_HOME}, else the nearest folder at or above the working directory that
   * holds {@code models/}, else the working directory.
   */
  public static Path home() {
    String p = System.getProperty(HOME_PROPERTY);
    if (p == null || p.isBlank()) {
      p = System.getenv("DIFFEXIT_HOME");
    }
    if (p != null && !p.isBlank()) {
      return Path.of(p).toAbsolutePath().normalize();
    }
    Path cwd = Path.of("").toAbsolutePath();
    for (Path d = cwd; d != null; d = d.getParent()) {
      if (Files.isDirectory(d.resolve("models"))) {
        return d;
      }
    }
    return cwd;
  }

  /**
   * @param spec {@code name} or {@code name:key=value,...}, e.g. {@code fmnist-net} or {@code inception:path=x.pt}
   * @return a new extractor whose weights live in {@code manager}
   * @throws IllegalArgumentException naming the unknown extractor and the known ones
   */
  public static FeatureExtractor create(String spec, NDManager manager, Path home) {
    ComponentSpec c = ComponentSpec.parse(spec);
    TreeSet<String> known = new TreeSet<>();
    for (DiffexitPlugin plugin : ServiceLoader.load(DiffexitPlugin.class)) {
      for (FeatureExtractorFactory f : plugin.featureExtractors()) {
        if (f.name().equals(c.name())) {
          return f.create(c.params(), new FeatureExtractorContext(manager, home));
        }
        known.add(f.name());
      }
    }
    throw new IllegalArgumentException("Unknown feature extractor '" + c.name() + "'; known: " + known);
  }

  /**
   * Runs {@code extractor} over every image of {@code images}, {@code batchSize} at a time, each batch in its own
   * sub-manager of {@code manager}.
   *
   * @return n × d features labelled {@code label}
   */
  public static Features extract(
      FeatureExtractor extractor, ImageSet images, int batchSize, NDManager manager, String label) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be ≥ 1, got " + batchSize);
    }
    int n = images.size();
    int d = extractor.dimension();
    float[] out = new float[n * d];
    for (int start = 0; start < n; start += batchSize) {
      int b = Math.min(batchSize, n - start);
      int[] idx = new int[b];
      for (int k = 0; k < b; k++) {
        idx[k] = start + k;
      }
      try (NDManager sm = manager.newSubManager()) {
        NDArray f = extractor.features(images.batchUnit(sm, idx));
        if (!f.getShape().equals(new Shape(b, d))) {
          throw new IllegalStateException("feature extractor " + extractor.id() + " returned shape " + f.getShape()
              + " for " + b + " images; expected (" + b + ", " + d + ")");
        }
        System.arraycopy(f.toFloatArray(), 0, out, start * d, b * d);
      }
    }
    return new Features(out, n, d, label);
  }
}
