package io.diffexit.harness.bench.inprocess;

import io.diffexit.harness.bench.CellProgress;
import io.diffexit.harness.bench.Experiment;
import io.diffexit.harness.bench.Quality;
import io.diffexit.harness.runner.SamplingJob;
import java.util.Optional;

/** Computes FID and KID of generated images against an experiment's reference statistics. */
public interface QualityMeter {

  /**
   * @param result the generated images
   * @param experiment names the reference statistics and the feature extractor
   * @param progress progress display
   * @return FID/KID with their provenance, or empty when the experiment names no reference
   */
  Optional<Quality> measure(SamplingJob.Result result, Experiment experiment, CellProgress progress);
}
