package io.diffexit.harness.cli;

import io.diffexit.harness.UserError;
import ai.djl.ndarray.NDManager;
import io.diffexit.api.ExitStrategy;
import io.diffexit.api.Sampler;
import io.diffexit.harness.ComponentSpec;
import io.diffexit.harness.checkpoint.Weights;
import io.diffexit.harness.plugins.Registries;
import io.diffexit.harness.plugins.Registry;
import io.diffexit.harness.runner.SamplingJob;
import io.diffexit.harness.sampling.SampleReport;
import io.diffexit.harness.sampling.SampleSession;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.DoubleUnaryOperator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code diffexit calibrate}: finds the value of a strategy's thresholded parameter that saves a target fraction of
 * the MACs, by bisection on calibration noise (a seed other than the benchmark's), and prints the line to put in an
 * experiment. Works for any strategy whose saving moves monotonically with the parameter (caches and exits alike;
 * the direction is found from the two ends of the range).
 */
@Command(
    name = "calibrate",
    mixinStandardHelpOptions = true,
    description = {
      "Find the value of a strategy parameter (e.g. block-cache's threshold) that saves a target fraction of the MACs"
          + " against full depth, by bisection on calibration samples (default seed 1, not the benchmark's 0).",
      "Prints each probe on stderr and the experiment line on stdout."
    })
public final class CalibrateCommand implements Callable<Integer> {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "CHECKPOINT", description = "checkpoint folder (model-card.json inside)")
  Path checkpoint;

  @Option(names = "--strategy", paramLabel = "SPEC", required = true,
      description = "the strategy, e.g. block-cache:max-skips=3 or block-cache+deediff:deediff.threshold=0.7")
  String strategy;

  @Option(names = "--param", paramLabel = "KEY", defaultValue = "threshold",
      description = "the parameter to search (default: ${DEFAULT-VALUE}; a composition's exit part: deediff.threshold)")
  String param;

  @Option(names = "--target", paramLabel = "FRACTION", required = true,
      description = "MACs saved against full depth to aim for, in (0, 1), e.g. 0.3")
  double target;

  @Option(names = "--low", defaultValue = "0", description = "lower end of the search (default: ${DEFAULT-VALUE})")
  double low;

  @Option(names = "--high", defaultValue = "1", description = "upper end of the search (default: ${DEFAULT-VALUE})")
  double high;

  @Option(names = "--tolerance", defaultValue = "0.01",
      description = "stop when the saving is this close to the target (default: ${DEFAULT-VALUE})")
  double tolerance;

  @Option(names = "--iterations", defaultValue = "10", description = "most bisection steps (default: ${DEFAULT-VALUE})")
  int iterations;

  @Option(names = "--sampler", paramLabel = "SPEC", defaultValue = "ddim:steps=50",
      description = "sampler (default: ${DEFAULT-VALUE})")
  String sampler;

  @Option(names = {"-n", "--samples"}, defaultValue = "32", description = "calibration images (default: ${DEFAULT-VALUE})")
  int samples;

  @Option(names = "--batch", defaultValue = "32", description = "images per batch (default: ${DEFAULT-VALUE})")
  int batch;

  @Option(names = "--seed", defaultValue = "1",
      description = "calibration noise seed (default: ${DEFAULT-VALUE}; benchmarks sample seed 0)")
  long seed;

  @Option(names = "--decision", defaultValue = "per-sample", description = "per-sample (default) or per-batch")
  String decision;

  @Option(names = "--plugins", paramLabel = "DIR", description = "plugins folder (default: $DIFFEXIT_PLUGINS or plugins)")
  Path plugins;

  @picocli.CommandLine.Mixin DeviceOption device = new DeviceOption();

  @Override
  public Integer call() {
    check(target > 0 && target < 1, "--target must be in (0, 1), got " + target);
    check(high > low, "--high (" + high + ") must be above --low (" + low + ")");
    check(tolerance > 0, "--tolerance must be > 0, got " + tolerance);
    check(iterations >= 1, "--iterations must be >= 1, got " + iterations);
    ComponentSpec base = ComponentSpec.parse(strategy);
    if (base.params().has(param)) {
      throw new UserError("--strategy " + strategy + " already sets '" + param + "'; leave it out, calibrate searches it");
    }
    Registry registry = Registries.create(plugins != null ? plugins : Registries.defaultPluginsDir(System.getenv()));
    PrintWriter err = spec.commandLine().getErr();
    try (NDManager manager = device.newManager();
        SampleSession session = SampleSession.open(checkpoint, registry, manager, Weights.EMA)) {
      Sampler s = session.sampler(ComponentSpec.parse(sampler), null, false);
      SamplingJob.Settings settings =
          new SamplingJob.Settings(samples, batch, seed, SampleSession.mode(decision), 0, new int[0], false);
      DoubleUnaryOperator saving = value -> {
        ComponentSpec probe = new ComponentSpec(base.name(), base.params().with(param, format(value)));
        try (ExitStrategy e = session.strategy(probe, seed)) {
          SampleReport r = session.run(e, s, settings, null);
          double saved = r.macsSavedPercent() / 100;
          err.printf(Locale.ROOT, "  %s=%s: %.1f%% MACs saved%n", param, format(value), 100 * saved);
          err.flush();
          return saved;
        }
      };
      Search result = search(saving, low, high, target, tolerance, iterations);
      ComponentSpec found = new ComponentSpec(base.name(), base.params().with(param, format(result.value())));
      spec.commandLine().getOut().printf(Locale.ROOT, "%s   # %.1f%% MACs saved (target %.1f%%) on %d calibration "
              + "samples, seed %d, %s%n", experimentLine(found), 100 * result.saving(), 100 * target, samples, seed,
          s.describe());
      spec.commandLine().getOut().flush();
      return result.reached() ? 0 : 1;
    }
  }

  /**
   * The outcome of a search.
   *
   * @param value the parameter value
   * @param saving the MACs saved there
   * @param reached whether the saving is within the tolerance of the target
   */
  record Search(double value, double saving, boolean reached) {}

  /**
   * Bisection for {@code saving(value) = target} on a monotone function, increasing or decreasing.
   *
   * @throws UserError when the target lies outside the savings at the two ends
   */
  static Search search(DoubleUnaryOperator saving, double low, double high, double target, double tolerance,
      int iterations) {
    double sLow = saving.applyAsDouble(low);
    if (Math.abs(sLow - target) <= tolerance) {
      return new Search(low, sLow, true);
    }
    double sHigh = saving.applyAsDouble(high);
    if (Math.abs(sHigh - target) <= tolerance) {
      return new Search(high, sHigh, true);
    }
    if ((target - sLow) * (target - sHigh) > 0) {
      throw new UserError(String.format(Locale.ROOT, "target %.1f%% is not between the savings at the ends of the "
          + "search: %s saves %.1f%%, %s saves %.1f%%; widen --low/--high", 100 * target, format(low), 100 * sLow,
          format(high), 100 * sHigh));
    }
    double bestValue = Math.abs(sLow - target) < Math.abs(sHigh - target) ? low : high;
    double bestSaving = bestValue == low ? sLow : sHigh;
    for (int i = 0; i < iterations; i++) {
      double mid = (low + high) / 2;
      double sMid = saving.applyAsDouble(mid);
      if (Math.abs(sMid - target) < Math.abs(bestSaving - target)) {
        bestValue = mid;
        bestSaving = sMid;
      }
      if (Math.abs(sMid - target) <= tolerance) {
        return new Search(mid, sMid, true);
      }
      if ((target - sLow) * (target - sMid) <= 0) {
        high = mid;
        sHigh = sMid;
      } else {
        low = mid;
        sLow = sMid;
      }
    }
    return new Search(bestValue, bestSaving, false);
  }

  /** @return the strategy as an experiment's instance: {@code {type: X, key: v, exit: {key: v}}} */
  static String experimentLine(ComponentSpec found) {
    StringBuilder sb = new StringBuilder("{type: ").append(found.name());
    List<ComponentSpec> parts = found.parts();
    for (Map.Entry<String, String> e : parts.get(0).params().asMap().entrySet()) {
      sb.append(", ").append(e.getKey()).append(": ").append(e.getValue());
    }
    if (parts.size() == 2 && !parts.get(1).params().isEmpty()) {
      sb.append(", ").append(parts.get(1).name()).append(": {");
      String sep = "";
      for (Map.Entry<String, String> e : parts.get(1).params().asMap().entrySet()) {
        sb.append(sep).append(e.getKey()).append(": ").append(e.getValue());
        sep = ", ";
      }
      sb.append('}');
    }
    return sb.append('}').toString();
  }

  /** @return a value with 4 significant digits, without trailing zeros */
  static String format(double v) {
    String s = String.format(Locale.ROOT, "%.4g", v);
    if (s.contains("e") || !s.contains(".")) {
      return s;
    }
    s = s.replaceAll("0+$", "");
    return s.endsWith(".") ? s.substring(0, s.length() - 1) : s;
  }

  private static void check(boolean ok, String message) {
    if (!ok) {
      throw new UserError(message);
    }
  }
}
