package io.diffexit.harness.cli;

import ai.djl.ndarray.NDManager;
import io.diffexit.api.ExitPointSpec;
import io.diffexit.harness.UserError;
import io.diffexit.harness.checkpoint.Weights;
import io.diffexit.harness.data.FashionMnist;
import io.diffexit.harness.data.ImageSet;
import io.diffexit.harness.diagnose.HeadErrors;
import io.diffexit.harness.plugins.Registries;
import io.diffexit.harness.plugins.Registry;
import io.diffexit.harness.sampling.SampleSession;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code diffexit head-errors}: the ε-MSE of every exit head by timestep on real images ({@link HeadErrors}). */
@Command(
    name = "head-errors",
    mixinStandardHelpOptions = true,
    description = {
      "Print the eps-MSE of every exit head of a checkpoint by timestep on Fashion-MNIST images (noised with seeded"
          + " eps), with the x0-MSE the last head implies: where exits can work, and what training has reached.",
      "Each cell is the mean over pixels and images with the half-width of its 95%% interval."
    })
public final class HeadErrorsCommand implements Callable<Integer> {

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "CHECKPOINT", description = "checkpoint folder (model-card.json inside)")
  Path checkpoint;

  @Option(names = "--timesteps", paramLabel = "LIST", split = ",",
      description = "discrete timesteps (default: 0,10,50,100,200,...,900,T-1)")
  int[] timesteps;

  @Option(names = {"-n", "--images"}, defaultValue = "256", description = "images (default: ${DEFAULT-VALUE})")
  int images;

  @Option(names = "--split", defaultValue = "test", description = "train or test (default: ${DEFAULT-VALUE})")
  String split;

  @Option(names = "--data", paramLabel = "DIR", description = "Fashion-MNIST folder (default: Debian's)")
  Path data;

  @Option(names = "--batch", defaultValue = "128", description = "images per pass (default: ${DEFAULT-VALUE})")
  int batch;

  @Option(names = "--seed", defaultValue = "0", description = "seed of eps (default: ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--weights", defaultValue = "ema", description = "ema (default) or training")
  String weights;

  @Option(names = "--against", defaultValue = "noise", paramLabel = "noise|final",
      description = "compare each head with the sampled eps (default: its error) or with the last head's eps (final:"
          + " each exit's distance from the full model)")
  String against;

  @Option(names = "--csv", paramLabel = "FILE", description = "also write the table as CSV")
  Path csv;

  @Option(names = "--plugins", paramLabel = "DIR", description = "plugins folder (default: $DIFFEXIT_PLUGINS or plugins)")
  Path plugins;

  @picocli.CommandLine.Mixin DeviceOption device = new DeviceOption();

  @Override
  public Integer call() {
    Weights w = switch (weights) {
      case "ema" -> Weights.EMA;
      case "training" -> Weights.TRAINING;
      default -> throw new UserError("--weights must be ema or training, got '" + weights + "'");
    };
    HeadErrors.Target target;
    try {
      target = HeadErrors.Target.parse(against);
    } catch (IllegalArgumentException e) {
      throw new UserError(e.getMessage(), e);
    }
    Registry registry = Registries.create(Registries.pluginsDir(plugins, System.getenv()));
    ImageSet set = FashionMnist.load(FashionMnist.directory(data), FashionMnist.Split.parse(split));
    try (NDManager manager = device.newManager();
        SampleSession session = SampleSession.open(checkpoint, registry, manager, w)) {
      var schedule = session.trainedSchedule();
      int[] ts = timesteps != null ? timesteps : HeadErrors.defaultTimesteps(schedule.trainTimesteps());
      List<HeadErrors.Row> rows;
      try {
        rows = HeadErrors.measure(session.checkpoint().backbone(), schedule, set, images, ts, batch, seed, target,
            manager);
      } catch (IllegalArgumentException e) {
        throw new UserError(e.getMessage(), e);
      }
      List<ExitPointSpec> exits = session.checkpoint().backbone().spec().exitPoints();
      PrintWriter out = spec.commandLine().getOut();
      boolean noise = target == HeadErrors.Target.NOISE;
      out.printf(Locale.ROOT, "%s by exit head, %d %s images of %s, eps seed %d, %s weights, %s%n",
          noise ? "eps-MSE" : "mean square difference from the last head's eps", images, split, set.name(), seed,
          weights, schedule.name());
      StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%5s %9s", "t", "abar"));
      for (ExitPointSpec e : exits) {
        head.append(String.format(Locale.ROOT, " %16s", e.name() + "@" + e.layer()));
      }
      if (noise) {
        head.append(String.format(Locale.ROOT, " %12s", "x0-MSE last"));
      }
      out.println(head);
      for (HeadErrors.Row r : rows) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%5d %9.3g", r.timestep(), r.alphaBar()));
        for (int e = 0; e < exits.size(); e++) {
          line.append(String.format(Locale.ROOT, " %8.4f ±%6.4f", r.epsMse()[e], r.epsMseHalfWidth()[e]));
        }
        if (noise) { // against the last head its own column is 0
          line.append(String.format(Locale.ROOT, " %12.4g", r.x0Mse()[exits.size() - 1]));
        }
        out.println(line);
      }
      out.flush();
      if (csv != null) {
        writeCsv(csv, exits, rows, against);
      }
      return 0;
    }
  }

  private static void writeCsv(Path file, List<ExitPointSpec> exits, List<HeadErrors.Row> rows, String against) {
    StringBuilder sb = new StringBuilder("timestep,alpha_bar,exit,layer,eps_mse,eps_mse_ci95,x0_mse,against\r\n");
    for (HeadErrors.Row r : rows) {
      double[] x0 = r.x0Mse();
      for (int e = 0; e < exits.size(); e++) {
        sb.append(String.format(Locale.ROOT, "%d,%.17g,%s,%d,%.17g,%.17g,%.17g,%s\r\n", r.timestep(), r.alphaBar(),
            exits.get(e).name(), exits.get(e).layer(), r.epsMse()[e], r.epsMseHalfWidth()[e], x0[e], against));
      }
    }
    try {
      if (file.getParent() != null) {
        Files.createDirectories(file.getParent());
      }
      Files.writeString(file, sb, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UserError("cannot write " + file + ": " + e.getMessage(), e);
    }
  }
}
