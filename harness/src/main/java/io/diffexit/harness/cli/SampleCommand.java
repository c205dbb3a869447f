package io.diffexit.harness.cli;

import io.diffexit.harness.UserError;
import ai.djl.ndarray.NDManager;
import io.diffexit.api.ExitStrategy;
import io.diffexit.api.Sampler;
import io.diffexit.harness.ComponentSpec;
import io.diffexit.harness.checkpoint.Weights;
import io.diffexit.harness.image.PngImages;
import io.diffexit.harness.plugins.Registries;
import io.diffexit.harness.plugins.Registry;
import io.diffexit.harness.runner.SamplingJob;
import io.diffexit.harness.sampling.SampleOutputs;
import io.diffexit.harness.sampling.SampleReport;
import io.diffexit.harness.sampling.SampleSession;
import io.diffexit.harness.sampling.SamplingProgress;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code diffexit sample}: loads a checkpoint and samples with a named sampler and exit strategy. */
@Command(
    name = "sample",
    mixinStandardHelpOptions = true,
    description = {
      "Sample images from a checkpoint with an exit strategy and a sampler; write a PNG grid, summary.json and the"
          + " exit-layer distribution per timestep (exit-stats.json/csv).",
      "Figures: MACs and FLOPs (= 2 x MACs) per image counted analytically, mean exit layer, wall time per image.",
      "Initial noise is a function of (seed, sample index): every strategy sees the same x_T for the same seed."
    })
public final class SampleCommand implements Callable<Integer> {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "CHECKPOINT", description = "checkpoint folder (model-card.json inside)")
  Path checkpoint;

  @Option(names = "--strategy", paramLabel = "SPEC", defaultValue = "none",
      description = "exit strategy, e.g. fixed:layer=7 or deediff:threshold=0.9 (default: ${DEFAULT-VALUE})")
  String strategy;

  @Option(names = "--sampler", paramLabel = "SPEC", defaultValue = "ddim:steps=50",
      description = "sampler, e.g. ddim:steps=50 or dpm-solver-2m:steps=20 (default: ${DEFAULT-VALUE})")
  String sampler;

  @Option(names = {"-n", "--samples"}, defaultValue = "64", description = "images (default: ${DEFAULT-VALUE})")
  int samples;

  @Option(names = "--batch", defaultValue = "64", description = "images per batch (default: ${DEFAULT-VALUE})")
  int batch;

  @Option(names = "--seed", defaultValue = "0", description = "noise seed (default: ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--decision", defaultValue = "per-sample",
      description = "per-sample (default, with batch compaction) or per-batch (official AdaDiff code)")
  String decision;

  @Option(names = "--out", paramLabel = "DIR", description = "output folder (default: out/sample)")
  Path out;

  @Option(names = "--json", description = "print the summary as JSON on stdout")
  boolean json;

  @Option(names = "--uncertainty-maps", paramLabel = "K", defaultValue = "0",
      description = "write the strategy's per-pixel map (DeeDiff: certainty) at each exit point for the first K"
          + " samples at 5 steps, as maps/sample-NNN.png")
  int maps;

  @Option(names = "--images", description = "also write every image as its own PNG under images/ (for FID)")
  boolean images;

  @Option(names = "--weights", defaultValue = "ema", description = "ema (default) or training weights")
  String weights;

  @Option(names = "--schedule", paramLabel = "NAME",
      description = "sample with this noise schedule instead of the model's (refused when incompatible)")
  String schedule;

  @Option(names = "--force-schedule", description = "sample with --schedule even when it differs from training")
  boolean forceSchedule;

  @Option(names = "--plugins", paramLabel = "DIR", description = "plugins folder (default: $DIFFEXIT_PLUGINS or plugins)")
  Path plugins;

  @picocli.CommandLine.Mixin DeviceOption device = new DeviceOption();

  @Override
  public Integer call() {
    Path outDir = out != null ? out : Path.of("out", "sample");
    if (maps < 0) {
      throw new IllegalArgumentException("--uncertainty-maps must be 0 (none) or a number of samples, got " + maps);
    }
    requireWritable(outDir);
    Registry registry = Registries.create(Registries.pluginsDir(plugins, System.getenv()));
    ComponentSpec strategySpec = ComponentSpec.parse(strategy);
    ComponentSpec samplerSpec = ComponentSpec.parse(sampler);
    Weights w = switch (weights.toLowerCase(Locale.ROOT)) {
      case "ema" -> Weights.EMA;
      case "training" -> Weights.TRAINING;
      default -> throw new IllegalArgumentException("--weights must be ema or training, got '" + weights + "'");
    };
    try (NDManager manager = device.newManager();
        SampleSession session = SampleSession.open(checkpoint, registry, manager, w);
        ExitStrategy exit = session.strategy(strategySpec, seed)) {
      Sampler s = session.sampler(samplerSpec, schedule, forceSchedule);
      int steps = s.evaluations();
      int[] mapSteps = {0, steps / 4, steps / 2, 3 * steps / 4, steps - 1};
      SamplingJob.Settings settings =
          new SamplingJob.Settings(samples, batch, seed, SampleSession.mode(decision), maps, mapSteps, true);
      SampleReport report = session.run(exit, s, settings, SamplingProgress.stderr(exit.describe()));
      var files = SampleOutputs.write(report, outDir);
      if (images) {
        var r = report.result();
        PngImages.writeEach(r.images(), r.samples(), r.channels(), r.height(), r.width(), false,
            outDir.resolve("images"), "sample-", 0);
      }
      if (json) {
        spec.commandLine().getOut().println(SampleOutputs.json().valueToTree(report.toJson()).toPrettyString());
      } else {
        spec.commandLine().getOut().println(report.summary());
        spec.commandLine().getOut().println("  wrote " + files.get("grid") + ", " + files.get("summary"));
      }
      spec.commandLine().getOut().flush();
    }
    return 0;
  }

  /** Fails before any sampling when the output folder cannot be created or written, saying why. */
  private static void requireWritable(Path dir) {
    try {
      java.nio.file.Files.createDirectories(dir);
      java.nio.file.Files.delete(java.nio.file.Files.createTempFile(dir, ".probe-", ""));
    } catch (java.io.IOException | RuntimeException e) {
      String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getClass().getSimpleName() + ": "
          + e.getMessage();
      throw new UserError("cannot write to --out " + dir + " (" + why + "); choose a writable folder");
    }
  }
}
