package io.diffexit.harness.sampling;

import ai.djl.ndarray.NDManager;
import com.google.inject.Inject;
import io.diffexit.api.FeatureExtractor;
import io.diffexit.api.FeatureExtractorContext;
import io.diffexit.api.Params;
import io.diffexit.harness.bench.CellProgress;
import io.diffexit.harness.bench.Experiment;
import io.diffexit.harness.bench.Quality;
import io.diffexit.harness.bench.Reference;
import io.diffexit.harness.cli.UserError;
import io.diffexit.harness.data.FashionMnist;
import io.diffexit.harness.data.ImageSet;
import io.diffexit.harness.features.FeatureExtractors;
import io.diffexit.harness.fid.FeatureStats;
import io.diffexit.harness.fid.Features;
import io.diffexit.harness.fid.FrechetDistance;
import io.diffexit.harness.fid.KernelDistance;
import io.diffexit.harness.fid.StatsFile;
import io.diffexit.harness.image.PngImages;
import io.diffexit.harness.plugins.Registry;
import io.diffexit.harness.runner.SamplingJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * FID against the experiment's reference statistics file and KID against the reference split's features, both from
 * the named feature extractor. Generated images are quantised to 8 bits first, exactly as they would be when saved as
 * PNG and read back (the pytorch-fid protocol). The statistics file must exist (a missing one is an error naming the
 * {@code fid-stats} command that makes it, never computed into the experiment's folder); reference features for KID
 * are computed once per run and cached.
 */
public final class FidQualityMeter implements QualityMeter {

  private static final int BATCH = 250;

  private final Registry registry;
  private final Map<String, Features> referenceFeatures = new HashMap<>();

  /** @param registry finds the feature extractor by name */
  @Inject
  public FidQualityMeter(Registry registry) {
    this.registry = registry;
  }

  @Override
  public Optional<Quality> measure(SamplingJob.Result result, Experiment experiment, CellProgress progress) {
    Reference ref = experiment.reference();
    if (ref == null) {
      return Optional.empty();
    }
    try (NDManager manager = NDManager.newBaseManager();
        FeatureExtractor extractor =
            registry.featureExtractor(ref.extractor()).create(
                Params.empty().forOwner("feature extractor '" + ref.extractor() + "'"),
                new FeatureExtractorContext(manager, FeatureExtractors.home()))) {
      progress.update("fid features", 0, 1);
      Features generated = FeatureExtractors.extract(extractor, quantised(result), BATCH, manager, "generated");
      Features reference = reference(extractor, ref, manager);
      Path statsFile = experiment.resolve(ref.stats());
      FeatureStats refStats = referenceStats(statsFile, extractor, ref);
      double fid = FrechetDistance.compute(FeatureStats.of(generated), "generated", refStats, statsFile.toString())
          .value();
      KernelDistance.Estimate kid =
          KernelDistance.compute(generated, reference, KernelDistance.DEFAULT_SUBSETS,
              KernelDistance.DEFAULT_SUBSET_SIZE, experiment.seed());
      progress.update("fid features", 1, 1);
      return Optional.of(
          new Quality(fid, kid.mean(), kid.std(), extractor.id(), extractor.checksum(), result.samples(), ref.split()));
    }
  }

  /** Generated images as the 8-bit grey images a PNG round trip would give. */
  static ImageSet quantised(SamplingJob.Result r) {
    byte[] bytes = new byte[r.images().length];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) PngImages.toByte(r.images()[i], false);
    }
    return new ImageSet("generated", bytes, null, r.samples(), r.channels(), r.height(), r.width());
  }

  private Features reference(FeatureExtractor extractor, Reference ref, NDManager manager) {
    String key = extractor.id() + "@" + extractor.checksum() + "/" + ref.split();
    Features cached = referenceFeatures.get(key);
    if (cached == null) {
      ImageSet split = FashionMnist.load(null, FashionMnist.Split.parse(ref.split()));
      cached = FeatureExtractors.extract(extractor, split, BATCH, manager, "fashion-mnist:" + ref.split());
      referenceFeatures.put(key, cached);
    }
    return cached;
  }

  private static FeatureStats referenceStats(Path file, FeatureExtractor extractor, Reference ref) {
    StatsFile.Loaded loaded = loadReferenceStats(file, extractor.id(), extractor.checksum(), ref);
    return loaded.stats();
  }

  /**
   * Reads the reference statistics file, which must exist (it is never computed behind the user's back: a typo in
   * the path would otherwise write a new file into the source tree) and must come from the same extractor.
   *
   * @throws UserError naming the file and the {@code fid-stats} command that makes it
   */
  static StatsFile.Loaded loadReferenceStats(Path file, String extractorId, String checksum, Reference ref) {
    if (!Files.isRegularFile(file)) {
      throw new UserError(missingStats(file, ref));
    }
    StatsFile.Loaded loaded = StatsFile.load(file);
    StatsFile.Provenance p = loaded.provenance();
    if (p != null && (!p.extractorId().equals(extractorId) || !p.checksum().equals(checksum))) {
      throw new UserError("reference statistics " + file + " were made by " + p.extractorId() + "@" + p.checksum()
          + ", not by " + extractorId + "@" + checksum + "; recompute them with diffexit fid-stats");
    }
    return loaded;
  }

  /** @return the one-line error for a reference statistics file that does not exist, with the command making it */
  static String missingStats(Path file, Reference ref) {
    return "reference statistics " + file + " not found; make them with `diffexit fid-stats --split " + ref.split()
        + " --extractor " + ref.extractor() + " --out " + file + "` or fix reference.stats in the experiment";
  }
}
