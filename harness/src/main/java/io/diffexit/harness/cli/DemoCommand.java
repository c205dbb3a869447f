package io.diffexit.harness.cli;

import ai.djl.ndarray.NDManager;
import com.google.inject.Inject;
import io.diffexit.api.BackboneSpec;
import io.diffexit.api.DecisionMode;
import io.diffexit.api.ExitPointSpec;
import io.diffexit.api.ExitStrategy;
import io.diffexit.api.NoiseSchedule;
import io.diffexit.api.Sampler;
import io.diffexit.harness.ComponentSpec;
import io.diffexit.harness.checkpoint.Checkpoint;
import io.diffexit.harness.checkpoint.Weights;
import io.diffexit.harness.plugins.Registry;
import io.diffexit.harness.runner.PaceCheck;
import io.diffexit.harness.runner.SamplingJob;
import io.diffexit.harness.sampling.SampleOutputs;
import io.diffexit.harness.sampling.SampleReport;
import io.diffexit.harness.sampling.SampleSession;
import io.diffexit.harness.sampling.SamplingProgress;
import io.diffexit.harness.train.TrainingProgress;
import io.diffexit.harness.train.Trainer;
import io.diffexit.harness.checkpoint.TrainingConfig;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code diffexit demo}, the main job: takes the reference U-Net checkpoint shipped in the repository (or, when there is
 * none, trains a small U-ViT on Fashion-MNIST for a few minutes), samples the same images from the same noise with no
 * early exit, with fixed exits and with DeeDiff, and prints their cost, speed and difference side by side. The
 * reference's early-exit heads are trained in its DeeDiff fine-tune, so the fixed exits and DeeDiff run that
 * fine-tune (whose trunk and final head are the reference's, bit for bit); with {@code --checkpoint} everything runs
 * the given checkpoint.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "The main job: load the reference U-Net (or quickly train a U-ViT) on Fashion-MNIST, sample with `none` and with"
          + " early exits from the"
          + " same noise, and print MACs, FLOPs (= 2 x MACs), mean exit layer, wall time and the difference to `none`"
          + " side by side. Outputs go to out/demo/."
    })
public final class DemoCommand implements Callable<Integer> {

  /** Where the repository's reference checkpoint lives, relative to the diffexit home. */
  static final String REFERENCE = "checkpoints/unet-fmnist-long";

  /**
   * The repository's DeeDiff fine-tune of the reference checkpoint (x̂₀ exit heads over the frozen trunk): the fixed
   * exits and DeeDiff run it when present.
   */
  static final String REFERENCE_DEEDIFF = "checkpoints/unet-long-deediff";

  /** The threshold the demo shows DeeDiff at: calibrated to save 30% of the MACs with DDIM-50 (seed-1 noise). */
  static final String DEEDIFF_SPEC = "deediff:threshold=0.9219";

  /** The architecture trained when no checkpoint is available: small enough to learn something in minutes. */
  static final String QUICK_BACKBONE = "uvit:dim=64,depth=7,heads=4,patch=4";

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--checkpoint", paramLabel = "DIR",
      description = "checkpoint to use (default: the repository's " + REFERENCE + ", else a quick training run)")
  Path checkpoint;

  @Option(names = "--train-minutes", defaultValue = "4",
      description = "time budget of the quick training run when no checkpoint exists (default: ${DEFAULT-VALUE})")
  double trainMinutes;

  @Option(names = "--sampler", defaultValue = "ddim:steps=50", description = "sampler (default: ${DEFAULT-VALUE})")
  String sampler;

  @Option(names = {"-n", "--samples"}, defaultValue = "64", description = "images per strategy (default: ${DEFAULT-VALUE})")
  int samples;

  @Option(names = "--batch", defaultValue = "64", description = "batch size (default: ${DEFAULT-VALUE})")
  int batch;

  @Option(names = "--seed", defaultValue = "0", description = "noise seed (default: ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--data", paramLabel = "DIR", description = "Fashion-MNIST folder for the quick training run")
  Path data;

  @Option(names = "--out", paramLabel = "DIR", description = "output folder (default: out/demo)")
  Path out;

  @picocli.CommandLine.Mixin DeviceOption device = new DeviceOption();

  private final Registry registry;
  private final NoiseSchedule schedule;

  /**
   * @param registry the plugins
   * @param schedule the training noise schedule (for the quick training run)
   */
  @Inject
  public DemoCommand(Registry registry, NoiseSchedule schedule) {
    this.registry = registry;
    this.schedule = schedule;
  }

  @Override
  public Integer call() {
    PrintWriter stdout = spec.commandLine().getOut();
    Path outDir = out != null ? out : Path.of("out", "demo");
    TrainingRuns.engine(null);
    Path ckpt = checkpoint != null ? checkpoint : findOrTrain(outDir, stdout);
    Path tuned = Path.of(System.getProperty("diffexit.home", ".")).resolve(REFERENCE_DEEDIFF);
    boolean withTuned = checkpoint == null && Files.isRegularFile(tuned.resolve("model-card.json"));
    try (NDManager manager = device.newManager();
        SampleSession session = SampleSession.open(ckpt, registry, manager, Weights.EMA)) {
      BackboneSpec bb = session.checkpoint().backbone().spec();
      Sampler s = session.sampler(ComponentSpec.parse(sampler), null, false);
      List<String> strategies = withTuned ? List.of("none") : strategies(bb, session.checkpoint());
      stdout.printf(Locale.ROOT, "checkpoint %s: %s (%s), %d exit points, %.1f MMACs per forward pass%n", ckpt,
          bb.name(), bb.config(), bb.exitPoints().size(), bb.fullMacs() / 1e6);
      stdout.printf(Locale.ROOT, "sampling %d images per strategy with %s, batch %d, seed %d, per-sample exits%n%n",
          samples, s.describe(), batch, seed);
      stdout.flush();
      try (ExitStrategy none = session.strategy(ComponentSpec.parse("none"), seed)) {
        // One untimed run first: the first sampling run of a JVM pays for JIT compilation and allocator growth.
        session.run(none, s, SamplingJob.Settings.of(Math.min(samples, batch), batch, seed, DecisionMode.PER_SAMPLE),
            null);
      }
      List<SampleReport> reports = new ArrayList<>();
      runAll(session, s, strategies, outDir, reports);
      if (withTuned) {
        try (NDManager tunedManager = device.newManager();
            SampleSession tunedSession = SampleSession.open(tuned, registry, tunedManager, Weights.EMA)) {
          List<String> exits = new ArrayList<>(fixedExits(tunedSession.checkpoint().backbone().spec()));
          exits.add(DEEDIFF_SPEC);
          runAll(tunedSession, tunedSession.sampler(ComponentSpec.parse(sampler), null, false), exits, outDir,
              reports);
        }
        stdout.printf("(the fixed and deediff rows sample the DeeDiff fine-tune %s: its exit heads over the same"
            + " trunk and final head)%n", tuned);
      }
      stdout.print(table(reports));
      SampleReport full = reports.get(0);
      PaceCheck.fullDepthRun(full.strategy(), full.result().fullPasses(), full.result().cost().steps())
          .ifPresent(w -> stdout.printf("%nwarning: %s%n", w));
      stdout.printf("%n%s.%n", SampleReport.CONVENTION);
      stdout.printf(Locale.ROOT,
          "Wall time: sampling loops only, after an untimed warm-up run; %s, %d threads%s. Passes: the run's time ÷ one"
              + " full-depth call timed right after it (drift-free; speed-up is the ratio of passes). MSE: mean"
              + " squared pixel difference to the `none` images from the same noise, on images clipped to [-1, 1] as"
              + " saved.%n",
          manager.getDevice(), SampleSession.threads(), waitPolicy());
      stdout.printf("Sample grids, summaries and exit statistics: %s/<strategy>/%n", outDir);
      stdout.flush();
    }
    return 0;
  }

  private void runAll(SampleSession session, Sampler s, List<String> strategies, Path outDir,
      List<SampleReport> reports) {
    for (String text : strategies) {
      try (ExitStrategy strategy = session.strategy(ComponentSpec.parse(text), seed)) {
        SampleReport r = session.run(strategy, s, paced(samples, batch, seed),
            SamplingProgress.stderr(strategy.describe()));
        SampleOutputs.write(r, outDir.resolve(text.replaceAll("[^A-Za-z0-9=.-]+", "_")));
        reports.add(r);
      }
    }
  }

  /** @return how idle OpenMP workers wait, when set (the launcher sets PASSIVE), for the conventions line */
  private static String waitPolicy() {
    String p = System.getenv("OMP_WAIT_POLICY");
    return p == null || p.isBlank() ? "" : " (OMP_WAIT_POLICY=" + p + ")";
  }

  /** @return {@code none}, the {@link #fixedExits} and the checkpoint's own strategy */
  static List<String> strategies(BackboneSpec bb, Checkpoint ckpt) {
    List<String> out = new ArrayList<>();
    out.add("none");
    out.addAll(fixedExits(bb));
    ckpt.strategySpec().ifPresent(s -> out.add(s.toString()));
    return out;
  }

  /**
   * @return fixed exits at the first exit points at or past about 85% and 70% of the depth (not the last): on the
   *     U-Net (7 layers) its 14×14 and 7×7 decoder levels, 44% and 70% of the MACs saved
   */
  static List<String> fixedExits(BackboneSpec bb) {
    List<String> out = new ArrayList<>();
    int depth = bb.exitPoints().get(bb.exitPoints().size() - 1).layer();
    for (double f : new double[] {0.85, 0.7}) {
      int want = (int) Math.round(f * depth);
      ExitPointSpec at = bb.exitPoints().stream().filter(e -> e.layer() >= want).findFirst().orElseThrow();
      String fixed = "fixed:layer=" + at.layer();
      if (at.layer() < depth && !out.contains(fixed)) {
        out.add(fixed);
      }
    }
    return out;
  }

  private Path findOrTrain(Path outDir, PrintWriter stdout) {
    String home = System.getProperty("diffexit.home", ".");
    Path reference = Path.of(home).resolve(REFERENCE);
    if (Files.isRegularFile(reference.resolve("model-card.json"))) {
      return reference;
    }
    Path quick = outDir.resolve("uvit-quick");
    if (Files.isRegularFile(quick.resolve("model-card.json"))) {
      stdout.println("using the quick checkpoint of an earlier demo run: " + quick);
      return quick;
    }
    stdout.printf(Locale.ROOT, "no checkpoint in %s: training %s on Fashion-MNIST for %.1f minutes into %s%n",
        reference, QUICK_BACKBONE, trainMinutes, quick);
    stdout.flush();
    int steps = 100_000; // an upper bound; the time budget ends the run
    TrainingConfig config = TrainingConfig.defaults().withSteps(steps).withBatch(64).withLr(1e-3).withWarmup(200)
        .withEmaDecay(0.995).withCheckpointEvery(1_000_000);
    try (NDManager manager = device.newManager();
        Trainer trainer = Trainer.create(registry, ComponentSpec.parse(QUICK_BACKBONE), schedule,
            TrainingRuns.fashionMnist(data, null), config, manager)) {
      trainer.run(quick, "diffexit demo (quick training run)", TrainingProgress.forStderr(steps),
          Duration.ofMillis((long) (trainMinutes * 60_000)));
      stdout.printf(Locale.ROOT, "trained %d steps in %.0f s (%.0f images/s), final loss %.4f%n", trainer.step(),
          trainer.wallSeconds(), trainer.imagesPerSecond(), trainer.smoothedLoss());
    }
    return quick;
  }

  /** Settings of a timed demo run: with warm-up, and paced by a full-depth call after each batch. */
  private static SamplingJob.Settings paced(int samples, int batch, long seed) {
    return new SamplingJob.Settings(samples, batch, seed, DecisionMode.PER_SAMPLE, 0, new int[0], true, true);
  }

  /**
   * @return the side-by-side table; speed-up and MSE are against the first report ({@code none}). Speed-up is the ratio
   *     of full passes when both runs were paced (the machine's speed drifts between runs), else of milliseconds.
   */
  static String table(List<SampleReport> reports) {
    SampleReport base = reports.get(0);
    float[] ref = base.result().images();
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%-26s %10s %11s %12s %11s %10s %7s %9s %10s%n", "strategy", "mean exit",
        "GMACs/img", "GFLOPs/img", "MACs saved", "ms/img", "passes", "speed-up", "MSE vs none"));
    for (SampleReport r : reports) {
      float[] img = r.result().images();
      double mse = 0;
      for (int i = 0; i < img.length; i++) {
        double d = clip(img[i]) - clip(ref[i]);
        mse += d * d;
      }
      mse /= img.length;
      double passes = r.result().fullPasses();
      double speedup = Double.isNaN(passes) || Double.isNaN(base.result().fullPasses())
          ? base.result().msPerImage() / r.result().msPerImage()
          : base.result().fullPasses() / passes;
      sb.append(String.format(Locale.ROOT, "%-26s %6.2f/%-3d %11.3f %12.3f %10.1f%% %10.2f %7s %8.2fx %10.4f%n",
          abbreviate(r.strategy(), 26), r.meanExitLayer(), r.depth(), r.macsPerImage() / 1e9,
          2 * r.macsPerImage() / 1e9, r.macsSavedPercent(), r.result().msPerImage(),
          Double.isNaN(passes) ? "—" : String.format(Locale.ROOT, "%.1f", passes), speedup, mse));
    }
    return sb.toString();
  }

  private static double clip(float v) {
    return Math.max(-1.0, Math.min(1.0, v));
  }

  private static String abbreviate(String s, int n) {
    return s.length() <= n ? s : s.substring(0, n - 1) + "…";
  }
}
