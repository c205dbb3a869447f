package io.diffexit.harness.cli;

import ai.djl.ndarray.NDManager;
import io.diffexit.api.FeatureExtractor;
import io.diffexit.harness.features.FeatureExtractors;
import io.diffexit.harness.fid.FeatureStats;
import io.diffexit.harness.fid.Features;
import io.diffexit.harness.fid.FidResult;
import io.diffexit.harness.fid.FidSource;
import io.diffexit.harness.fid.FrechetDistance;
import io.diffexit.harness.fid.KernelDistance;
import io.diffexit.harness.fid.KidResult;
import io.diffexit.harness.fid.StatsFile;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code diffexit fid A B}: the FID between two sources, each a statistics file, a folder of PNGs, a Fashion-MNIST
 * split or {@code gaussian-noise:N}. B is the reference. The output names the extractor, its checksum, the sample
 * counts and the reference; its last line is the FID alone, as a number. {@code --kid} adds KID (images on both sides).
 */
@Command(
    name = "fid",
    mixinStandardHelpOptions = true,
    description = {"FID (and optionally KID) between A and the reference B.",
        "A and B: FILE.npz | PNG folder | fashion-mnist:train|test[:N] | gaussian-noise:N.",
        "The last line of the output is the FID alone."})
public final class FidCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "A", description = "the images or statistics to evaluate")
  String a;

  @Parameters(index = "1", paramLabel = "B", description = "the reference")
  String b;

  @Option(names = "--extractor", defaultValue = "fmnist-net",
      description = "feature extractor for image sources, name[:key=value,...] (default: ${DEFAULT-VALUE})")
  String extractor;

  @Option(names = "--data", description = "Fashion-MNIST folder for fashion-mnist:... sources")
  Path data;

  @Option(names = "--batch", defaultValue = "250", description = "images per feature batch (default: ${DEFAULT-VALUE})")
  int batch;

  @Option(names = "--kid", description = "also compute KID (needs images on both sides)")
  boolean kid;

  @Option(names = "--kid-subsets", defaultValue = "100", description = "KID subsets (default: ${DEFAULT-VALUE})")
  int kidSubsets;

  @Option(names = "--kid-subset-size", defaultValue = "1000",
      description = "KID subset size, capped by both sample counts (default: ${DEFAULT-VALUE})")
  int kidSubsetSize;

  @Option(names = "--seed", defaultValue = "0", description = "seed of the KID subsets (default: ${DEFAULT-VALUE})")
  long seed;

  /** One side after reading: statistics, plus features when it was made of images. */
  private record Side(String label, FeatureStats stats, Features features, String extractorId, String checksum) {}

  @Override
  public Integer call() {
    PrintWriter w = spec.commandLine().getOut();
    FidSource sa = FidSource.parse(a, data);
    FidSource sb = FidSource.parse(b, data);
    if (kid && (sa instanceof FidSource.Stats || sb instanceof FidSource.Stats)) {
      FidSource s = sa instanceof FidSource.Stats ? sa : sb;
      throw new IllegalArgumentException("--kid needs images on both sides (KID uses the features, not the "
          + "statistics); " + s.label() + " is a statistics file");
    }
    boolean needsExtractor = sa instanceof FidSource.Images || sb instanceof FidSource.Images;
    try (NDManager manager = needsExtractor ? NDManager.newBaseManager() : null;
        FeatureExtractor fx = needsExtractor
            ? FeatureExtractors.create(extractor, manager, FeatureExtractors.home()) : null) {
      Side x = read(sa, fx, manager, w);
      Side y = read(sb, fx, manager, w);
      String[] ext = agree(x, y, w);
      w.printf("A: %s (n=%s)%n", x.label(), count(x.stats().count()));
      w.printf("B (reference): %s (n=%s)%n", y.label(), count(y.stats().count()));
      w.printf("extractor: %s checksum %s (d=%d)%n", ext[0], ext[1], x.stats().dimension());
      FrechetDistance.Computation c = FrechetDistance.compute(x.stats(), x.label(), y.stats(), y.label());
      if (c.offsetApplied()) {
        w.println("note: a covariance is rank-deficient (singular product); pytorch-fid's " + FrechetDistance.OFFSET
            + " diagonal offset was applied to compute Tr sqrtm");
      }
      if (kid) {
        KernelDistance.Estimate e = KernelDistance.compute(x.features(), y.features(), kidSubsets, kidSubsetSize, seed);
        w.println(new KidResult(e, ext[0], ext[1], x.stats().count(), y.stats().count(), y.label(), seed).describe());
      }
      FidResult r = new FidResult(c.value(), ext[0], ext[1], x.stats().count(), y.stats().count(), y.label());
      w.println(r.describe());
      w.println(String.format(Locale.ROOT, "%.6f", r.value()));
    }
    return 0;
  }

  private static String count(long n) {
    return n > 0 ? Long.toString(n) : "unknown";
  }

  private Side read(FidSource s, FeatureExtractor fx, NDManager manager, PrintWriter w) {
    if (s instanceof FidSource.Stats st) {
      StatsFile.Loaded l = StatsFile.load(st.path());
      StatsFile.Provenance p = l.provenance();
      if (p == null) {
        return new Side(st.label(), l.stats(), null, null, null);
      }
      return new Side(st.label() + " (" + p.source() + ")", l.stats(), null, p.extractorId(), p.checksum());
    }
    FidSource.Images im = (FidSource.Images) s;
    Features f = FeatureExtractors.extract(fx, im.images(), batch, manager, im.label());
    return new Side(im.label(), FeatureStats.of(f), f, fx.id(), fx.checksum());
  }

  /** @return {extractor id, checksum} both sides agree on; fails when they were made by different networks */
  private static String[] agree(Side x, Side y, PrintWriter w) {
    if (x.extractorId() != null && y.extractorId() != null) {
      if (!x.extractorId().equals(y.extractorId()) || !x.checksum().equals(y.checksum())) {
        throw new IllegalArgumentException("cannot compare: " + x.label() + " has features of " + x.extractorId() + "@"
            + x.checksum() + " but " + y.label() + " of " + y.extractorId() + "@" + y.checksum()
            + "; recompute the statistics with the same --extractor");
      }
      return new String[] {x.extractorId(), x.checksum()};
    }
    Side known = x.extractorId() != null ? x : y;
    Side unknown = known == x ? y : x;
    if (known.extractorId() == null) {
      w.println("note: neither statistics file records its feature extractor (foreign files); the FID is only "
          + "meaningful if both were made by the same network");
      return new String[] {"unknown", "unknown"};
    }
    w.println("note: " + unknown.label() + " does not record its feature extractor (a foreign file); assuming "
        + known.extractorId() + "@" + known.checksum());
    return new String[] {known.extractorId(), known.checksum()};
  }
}
