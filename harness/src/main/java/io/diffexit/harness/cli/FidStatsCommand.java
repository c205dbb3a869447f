package io.diffexit.harness.cli;

import ai.djl.ndarray.NDManager;
import io.diffexit.api.FeatureExtractor;
import io.diffexit.harness.data.FashionMnist;
import io.diffexit.harness.data.ImageSet;
import io.diffexit.harness.features.FeatureExtractors;
import io.diffexit.harness.fid.FeatureStats;
import io.diffexit.harness.fid.Features;
import io.diffexit.harness.fid.StatsFile;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code diffexit fid-stats}: computes the FID statistics (mu, unbiased sigma, n) of a Fashion-MNIST split with a
 * feature extractor and caches them as a pytorch-fid-compatible {@code .npz} that records the extractor, its checksum,
 * the sample count and the split. An existing file with the same provenance is kept (the cache), unless {@code --force}.
 */
@Command(
    name = "fid-stats",
    mixinStandardHelpOptions = true,
    description = "Compute and save FID reference statistics (.npz, pytorch-fid compatible) of a dataset split.")
public final class FidStatsCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(names = "--data", description = "folder with the Fashion-MNIST *-ubyte.gz files (default: "
      + FashionMnist.DEFAULT_DIR + ")")
  Path data;

  @Option(names = "--split", required = true, description = "train or test")
  String split;

  @Option(names = "--limit", description = "use only the first N images of the split")
  Integer limit;

  @Option(names = "--extractor", defaultValue = "fmnist-net",
      description = "feature extractor, name[:key=value,...] (default: ${DEFAULT-VALUE})")
  String extractor;

  @Option(names = "--out", required = true, description = "statistics file to write (.npz)")
  Path out;

  @Option(names = "--force", description = "recompute even when --out already holds statistics of the same images "
      + "made by the same extractor and checksum")
  boolean force;

  @Option(names = "--batch", defaultValue = "250", description = "images per feature batch (default: ${DEFAULT-VALUE})")
  int batch;

  @Override
  public Integer call() {
    PrintWriter w = spec.commandLine().getOut();
    if (!out.toString().endsWith(".npz")) {
      throw new IllegalArgumentException("--out must name a .npz file, got " + out);
    }
    FashionMnist.Split s = FashionMnist.Split.parse(split);
    ImageSet images = FashionMnist.load(data, s);
    String label = "fashion-mnist:" + s.label();
    if (limit != null) {
      if (limit < 2 || limit > images.size()) {
        throw new IllegalArgumentException(
            "--limit must be in [2, " + images.size() + "] for the " + s.label() + " split, got " + limit);
      }
      if (limit < images.size()) {
        images = images.head(limit);
        label += "[:" + limit + "]";
      }
    }
    try (NDManager manager = NDManager.newBaseManager();
        FeatureExtractor fx = FeatureExtractors.create(extractor, manager, FeatureExtractors.home())) {
      if (!force && java.nio.file.Files.isRegularFile(out)) {
        StatsFile.Provenance p = StatsFile.load(out).provenance();
        if (p != null && p.extractorId().equals(fx.id()) && p.checksum().equals(fx.checksum())
            && p.source().equals(label)) {
          w.printf("%s is up to date (%s, n=%d, extractor %s checksum %s); --force recomputes it%n", out, label,
              p.count(), fx.id(), fx.checksum());
          return 0;
        }
      }
      Features f = FeatureExtractors.extract(fx, images, batch, manager, label);
      FeatureStats stats = FeatureStats.of(f);
      StatsFile.save(out, stats, new StatsFile.Provenance(fx.id(), fx.checksum(), stats.count(), label, s.label()));
      w.printf("statistics of %s: n=%d, d=%d, extractor %s checksum %s%n", label, stats.count(), stats.dimension(),
          fx.id(), fx.checksum());
      w.println("wrote " + out);
    }
    return 0;
  }
}
