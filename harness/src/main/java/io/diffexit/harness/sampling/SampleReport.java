package io.diffexit.harness.sampling;

import io.diffexit.api.BackboneSpec;
import io.diffexit.api.CostMeter;
import io.diffexit.api.CostMeter.Category;
import io.diffexit.api.DecisionMode;
import io.diffexit.harness.runner.SamplingJob;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What one sampling run produced and cost, with the conventions stated, for {@code sample --json}, the demo and
 * benchmarks.
 *
 * @param checkpoint the checkpoint folder
 * @param backbone the backbone's spec
 * @param strategy the strategy as described by itself
 * @param upperBound whether the strategy is a research upper bound (oracle), not a usable method
 * @param sampler the sampler as described by itself
 * @param schedule the noise schedule sampled with
 * @param mode per-sample or per-batch decisions
 * @param seed the noise seed
 * @param batchSize images per batch
 * @param device where it ran
 * @param threads intra-op threads of the engine
 * @param result images, trace, cost and timing
 */
public record SampleReport(
    String checkpoint,
    BackboneSpec backbone,
    String strategy,
    boolean upperBound,
    String sampler,
    String schedule,
    DecisionMode mode,
    long seed,
    int batchSize,
    String device,
    int threads,
    SamplingJob.Result result) {

  /** The counting convention, printed with every figure. */
  public static final String CONVENTION =
      "MACs = multiply-accumulates counted analytically from the shapes executed (linears, convs, attention matmuls,"
          + " skip linears, every exit head evaluated, the strategy's own heads); FLOPs = 2 x MACs";

  /** @return MACs per image over the whole sampling run (all steps) */
  public double macsPerImage() {
    return result.cost().macsPerImage();
  }

  /** @return MACs per image of the same sampler at full depth with only the final head (the {@code none} baseline) */
  public double fullDepthMacsPerImage() {
    return (double) backbone.fullMacs() * result.cost().steps();
  }

  /** @return percent of MACs saved against full depth (negative when a strategy spends more) */
  public double macsSavedPercent() {
    return 100.0 * (1.0 - macsPerImage() / fullDepthMacsPerImage());
  }

  /** @return mean exit layer over all samples and steps (1-based) */
  public double meanExitLayer() {
    return result.trace().meanExitLayer(backbone);
  }

  /** @return the depth in layers of the last exit point */
  public int depth() {
    return backbone.exitPoints().get(backbone.exitPoints().size() - 1).layer();
  }

  /** @return a JSON-ready map of every figure with its convention */
  public Map<String, Object> toJson() {
    CostMeter cost = result.cost();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("checkpoint", checkpoint);
    out.put("backbone", Map.of("name", backbone.name(), "config", backbone.config().asMap()));
    out.put("strategy", strategy);
    out.put("upperBound", upperBound);
    if (upperBound) {
      out.put("note", "oracle: an upper bound for research that needs the full network to decide; not a usable method");
    }
    out.put("sampler", sampler);
    out.put("evaluationsPerImage", cost.steps());
    out.put("schedule", schedule);
    out.put("decisionMode", mode.label());
    out.put("samples", result.samples());
    out.put("batchSize", batchSize);
    out.put("seed", seed);
    out.put("device", device);
    out.put("threads", threads);
    out.put("convention", CONVENTION);
    out.put("macsPerImage", macsPerImage());
    out.put("flopsPerImage", 2 * macsPerImage());
    Map<String, Double> byCategory = new LinkedHashMap<>();
    for (Category c : Category.values()) {
      byCategory.put(c.name().toLowerCase(Locale.ROOT), cost.macsPerImage(c));
    }
    out.put("macsPerImageByCategory", byCategory);
    List<Double> byStep = new ArrayList<>();
    for (double v : cost.macsPerImageByStep()) {
      byStep.add(v);
    }
    out.put("macsPerImageByStep", byStep);
    out.put("fullDepthMacsPerImage", fullDepthMacsPerImage());
    out.put("macsSavedPercent", macsSavedPercent());
    out.put("meanExitLayer", meanExitLayer());
    out.put("depth", depth());
    io.diffexit.api.ExitTrace trace = result.trace();
    Map<String, Object> outcomes = new java.util.LinkedHashMap<>();
    outcomes.put("ran", trace.count(io.diffexit.api.ExitTrace.Outcome.RAN));
    outcomes.put("exited", trace.count(io.diffexit.api.ExitTrace.Outcome.EXITED));
    outcomes.put("reused", trace.count(io.diffexit.api.ExitTrace.Outcome.REUSED));
    out.put("outcomes", outcomes);
    out.put("reusedFraction", trace.reusedFraction());
    out.put("peakCacheBytes", cost.peakCacheBytes());
    out.put("wallSeconds", result.wallSeconds());
    out.put("msPerImage", result.msPerImage());
    out.put("batchSeconds", result.batchSeconds());
    out.put("timing", "sampling loops only, after one untimed warm-up call; no image encoding or file IO");
    return out;
  }

  /** @return a few human-readable lines */
  public String summary() {
    return String.format(
        Locale.ROOT,
        "%s with %s on %s: %d images, batch %d, %s decisions, seed %d, %s, %d threads%n"
            + "  %.3f GMACs/image (%.3f GFLOPs = 2 x MACs), %.1f%% saved vs full depth; mean exit layer %.2f of %d%n"
            + "  %.2f ms/image wall (%.2f s total)%s",
        strategy, sampler, backbone.name(), result.samples(), batchSize, mode.label(), seed, device, threads,
        macsPerImage() / 1e9, 2 * macsPerImage() / 1e9, macsSavedPercent(), meanExitLayer(), depth(),
        result.msPerImage(), result.wallSeconds(), upperBound ? "\n  NOTE: oracle = research upper bound" : "")
        + reuseLine();
  }

  /** @return the step-reuse line (reused fraction, cache memory), or nothing for a run without a cache */
  private String reuseLine() {
    long peak = result.cost().peakCacheBytes();
    double reused = result.trace().reusedFraction();
    if (peak == 0 && reused == 0) {
      return "";
    }
    return String.format(Locale.ROOT, "%n  %.1f%% of sample-steps reused a cache; peak cache %.1f KiB",
        100 * reused, peak / 1024.0);
  }
}
