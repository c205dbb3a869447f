package io.diffexit.harness.bench.inprocess;

import ai.djl.ndarray.NDManager;
import com.google.inject.Inject;
import io.diffexit.api.FeatureExtractor;
import io.diffexit.api.FeatureExtractorContext;
import io.diffexit.api.Params;
import io.diffexit.harness.bench.CellProgress;
import io.diffexit.harness.bench.Experiment;
import io.diffexit.harness.bench.Quality;
import io.diffexit.harness.bench.Reference;
import io.diffexit.harness.UserError;
import io.diffexit.harness.data.FashionMnist;
import io.diffexit.harness.data.ImageSet;
import io.diffexit.harness.features.FeatureExtractors;
import io.diffexit.harness.fid.FeatureStats;
import io.diffexit.harness.fid.FeatureSums;
import io.diffexit.harness.fid.Features;
import io.diffexit.harness.fid.FrechetDistance;
import io.diffexit.harness.fid.KernelDistance;
import io.diffexit.harness.fid.StatsFile;
import io.diffexit.harness.fidelity.SavedSamples;
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
 *
 * <p>Each quality also carries the <b>floor</b> at its sample count: the FID of N real images of the other split
 * (train when the reference is the test split, else test; a random subset seeded by the experiment's seed) against
 * the same reference statistics. FID is biased upwards at small N, so a generator is judged against that floor, not
 * against 0. It is computed once per extractor, split, N and seed.
 */
public final class FidQualityMeter implements QualityMeter {

  private static final int BATCH = 250;

  private final Registry registry;
  private static final long FLOOR_STREAM = 0xF1_00EL;

  private final Map<String, Features> referenceFeatures = new HashMap<>();
  private final Map<String, Double> floors = new HashMap<>();

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
        FeatureExtractor extractor = extractor(ref, manager)) {
      progress.update("fid features", 0, 1);
      Features generated = generatedFeatures(extractor, result, manager);
      Features reference = reference(extractor, ref, manager);
      Path statsFile = experiment.resolve(ref.stats());
      FeatureStats refStats = referenceStats(statsFile, extractor, ref);
      double fid = FrechetDistance.compute(FeatureStats.of(generated), "generated", refStats, statsFile.toString())
          .value();
      KernelDistance.Estimate kid =
          KernelDistance.compute(generated, reference, KernelDistance.DEFAULT_SUBSETS,
              KernelDistance.DEFAULT_SUBSET_SIZE, experiment.seed());
      String floorSplit = floorSplit(ref.split());
      double floor = floor(extractor, refStats, statsFile, floorSplit, result.samples(), experiment.seed(), manager);
      progress.update("fid features", 1, 1);
      return Optional.of(new Quality(fid, kid.mean(), kid.std(), extractor.id(), extractor.checksum(),
          result.samples(), ref.split(), floor, floorSplit));
    }
  }

  /** @return the split real images of the floor come from: train for a test reference, else test */
  static String floorSplit(String referenceSplit) {
    return referenceSplit.equals("test") ? "train" : "test";
  }

  /** @return FID of {@code n} seeded random real images of {@code split} against {@code refStats} (cached) */
  private synchronized double floor(FeatureExtractor extractor, FeatureStats refStats, Path statsFile, String split, int n,
      long seed, NDManager manager) {
    String key = extractor.id() + "@" + extractor.checksum() + "/" + statsFile + "/" + split + "/" + n + "/" + seed;
    Double cached = floors.get(key);
    if (cached == null) {
      ImageSet all = FashionMnist.load(null, FashionMnist.Split.parse(split));
      if (n > all.size()) {
        throw new UserError("the FID floor needs " + n + " real " + split + " images, but the split has "
            + all.size() + "; sample at most " + all.size() + " images per cell");
      }
      ImageSet real = all.subset(randomSubset(all.size(), n, seed ^ FLOOR_STREAM), "random-" + n);
      Features f = FeatureExtractors.extract(extractor, real, BATCH, manager, "fashion-mnist:" + split + " floor");
      cached = FrechetDistance.compute(FeatureStats.of(f), real.name(), refStats, statsFile.toString()).value();
      floors.put(key, cached);
    }
    return cached;
  }

  /** @return {@code n} distinct indices of {@code [0, size)}, a seeded partial Fisher–Yates shuffle */
  static int[] randomSubset(int size, int n, long seed) {
    int[] all = new int[size];
    for (int i = 0; i < size; i++) {
      all[i] = i;
    }
    java.util.SplittableRandom rnd = new java.util.SplittableRandom(seed);
    for (int i = 0; i < n; i++) {
      int j = i + rnd.nextInt(size - i);
      int t = all[i];
      all[i] = all[j];
      all[j] = t;
    }
    return java.util.Arrays.copyOf(all, n);
  }

  /**
   * FID/KID of generated images whose features were reduced elsewhere (sample shards on other machines): the merged
   * sums give the Gaussian statistics, and KID reads only the rows its subsets draw
   * ({@link KernelDistance#rowsDrawn}).
   *
   * @param generated the merged sums of all generated features
   * @param kidRows one entry per generated sample: its feature row where KID draws it, else null
   * @param experiment names the reference and the feature extractor
   * @param progress progress display
   * @return FID/KID, or empty when the experiment names no reference
   */
  public Optional<Quality> measure(FeatureSums generated, float[][] kidRows, Experiment experiment,
      CellProgress progress) {
    Reference ref = experiment.reference();
    if (ref == null) {
      return Optional.empty();
    }
    try (NDManager manager = NDManager.newBaseManager();
        FeatureExtractor extractor = extractor(ref, manager)) {
      progress.update("fid", 0, 1);
      Features reference = reference(extractor, ref, manager);
      Path statsFile = experiment.resolve(ref.stats());
      FeatureStats refStats = referenceStats(statsFile, extractor, ref);
      double fid = FrechetDistance.compute(generated.toStats("generated"), "generated", refStats, statsFile.toString())
          .value();
      KernelDistance.Estimate kid =
          KernelDistance.compute(kidRows, "generated", reference, KernelDistance.DEFAULT_SUBSETS,
              KernelDistance.DEFAULT_SUBSET_SIZE, experiment.seed());
      int n = Math.toIntExact(generated.count());
      String floorSplit = floorSplit(ref.split());
      double floor = floor(extractor, refStats, statsFile, floorSplit, n, experiment.seed(), manager);
      progress.update("fid", 1, 1);
      return Optional.of(new Quality(fid, kid.mean(), kid.std(), extractor.id(), extractor.checksum(), n,
          ref.split(), floor, floorSplit));
    }
  }

  /**
   * @return the number of reference images KID compares against (computing and caching their features), or empty
   *     when the experiment names no reference
   */
  public Optional<Integer> referenceCount(Experiment experiment) {
    Reference ref = experiment.reference();
    if (ref == null) {
      return Optional.empty();
    }
    try (NDManager manager = NDManager.newBaseManager();
        FeatureExtractor extractor = extractor(ref, manager)) {
      return Optional.of(reference(extractor, ref, manager).count());
    }
  }

  /** @return the experiment's feature extractor, owned by the caller */
  public FeatureExtractor extractor(Reference ref, NDManager manager) {
    return registry.featureExtractor(ref.extractor()).create(
        Params.empty().forOwner("feature extractor '" + ref.extractor() + "'"),
        new FeatureExtractorContext(manager, FeatureExtractors.home()));
  }

  /** @return the features of a run's images, quantised to 8 bits first (as {@link #measure} computes them) */
  public static Features generatedFeatures(FeatureExtractor extractor, SamplingJob.Result result, NDManager manager) {
    return FeatureExtractors.extract(extractor, quantised(result), BATCH, manager, "generated");
  }

  /** Generated images as the 8-bit grey images a PNG round trip would give. */
  public static ImageSet quantised(SamplingJob.Result r) {
    byte[] bytes = SavedSamples.of(r.images(), r.samples(), r.channels(), r.height(), r.width()).pixels();
    return new ImageSet("generated", bytes, null, r.samples(), r.channels(), r.height(), r.width());
  }

  private synchronized Features reference(FeatureExtractor extractor, Reference ref, NDManager manager) {
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
