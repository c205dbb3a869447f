package io.diffexit.harness.bench;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * A deterministic stand-in for the early-exit runner, for testing the benchmark plumbing (not the engine): a 13-layer
 * backbone with an exit point per layer; each step costs 1e6 embed MACs plus 1e7 per layer run. {@code none} exits at
 * layer 13, {@code fixed} at {@code layer}, {@code deediff} at round(13 × threshold × (step+1)/steps) clamped to
 * [1, 13]; a strategy of type {@code boom} throws. Latency is 1 ms per 1e8 MACs at batch 1, half that at the large
 * batch, except that the machine ran 1.5× slower while the {@code none} cells were timed: their milliseconds and their
 * full-pass times (a full pass: 1e6 + 13e7 MACs per image) are both 1.5× longer, so only paced comparisons come out
 * in proportion to MACs. FID = 10 + (13 − mean exit layer). With images on, each cell also saves
 * {@code samples()} uniform 12×12 images of value 100 + round(13 − mean exit layer), so that PSNR/SSIM against
 * {@code none} (all 100) have closed forms.
 */
final class SyntheticCellExecutor implements CellExecutor {

  static final int LAYERS = 13;
  static final long EMBED = 1_000_000L;
  static final long PER_LAYER = 10_000_000L;

  final Path resultsDir;
  final List<String> executed = new ArrayList<>();
  boolean writeImages = true;

  SyntheticCellExecutor(Path resultsDir) {
    this.resultsDir = resultsDir;
  }

  static int exitLayer(Cell cell, int step, int steps) {
    Map<String, String> p = cell.strategy().params();
    return switch (cell.strategy().type()) {
      case "none" -> LAYERS;
      case "fixed" -> Integer.parseInt(p.get("layer"));
      case "deediff" -> Math.max(1, Math.min(LAYERS,
          (int) Math.round(LAYERS * Double.parseDouble(p.get("threshold")) * (step + 1) / steps)));
      default -> throw new IllegalStateException("synthetic executor has no strategy type '"
          + cell.strategy().type() + "'");
    };
  }

  @Override
  public CellResult execute(Cell cell, Experiment experiment, Path cellDirectory, CellProgress progress)
      throws Exception {
    executed.add(cell.id());
    if (cell.strategy().type().equals("boom")) {
      throw new IllegalStateException("strategy 'boom' exploded\nsecond line that must not reach the record");
    }
    int steps = Integer.parseInt(cell.sampler().params().getOrDefault("steps", "10"));
    double[] macsByStep = new double[steps];
    double[] times = new double[steps];
    int[] layers = new int[LAYERS];
    for (int i = 0; i < LAYERS; i++) {
      layers[i] = i + 1;
    }
    long[][] hist = new long[steps][LAYERS];
    double total = 0;
    double layerSum = 0;
    for (int s = 0; s < steps; s++) {
      int layer = exitLayer(cell, s, steps);
      macsByStep[s] = EMBED + layer * PER_LAYER;
      total += macsByStep[s];
      times[s] = 1000.0 * (steps - s) / steps;
      hist[s][layer - 1] = experiment.samples();
      layerSum += layer;
      progress.update("sampling", s + 1, steps);
    }
    double mean = layerSum / steps;
    double drift = cell.strategy().type().equals("none") ? 1.5 : 1.0;
    double ms1 = drift * total / 1e8;
    double pass1 = drift * (EMBED + LAYERS * PER_LAYER) / 1e8;
    Latency b1 = Latency.paced(1, experiment.latencyWarmup(),
        new double[] {ms1 * 0.9, ms1, ms1 * 1.1, ms1, ms1 * 1.2}, new double[] {pass1, pass1, pass1, pass1, pass1});
    double msL = drift * total / 2e8;
    double passL = experiment.largeBatch() * pass1 / 2;
    Latency large = Latency.paced(experiment.largeBatch(), experiment.latencyWarmup(),
        new double[] {msL, msL, msL, msL * 0.8, msL * 1.1}, new double[] {passL, passL, passL, passL, passL});
    Quality q = new Quality(10 + (LAYERS - mean), 0.01, 0.001, "synthetic", "ab".repeat(32), experiment.samples(),
        "test");
    String grid = null;
    String samples = null;
    List<String> maps = new ArrayList<>();
    if (writeImages) {
      byte[] px = new byte[experiment.samples() * 144];
      java.util.Arrays.fill(px, (byte) (100 + Math.round(LAYERS - mean)));
      samples = resultsDir.relativize(
          new io.diffexit.harness.fidelity.SavedSamples(px, experiment.samples(), 1, 12, 12).write(cellDirectory))
          .toString();
      grid = png(cellDirectory.resolve("samples.png"), 8);
      if (cell.strategy().type().equals("deediff")) {
        maps.add(png(cellDirectory.resolve("certainty-0.png"), 4));
      }
    }
    return new CellResult(total, Map.of("embed", EMBED * (double) steps, "backbone", total - EMBED * steps,
        "head", 0.0, "strategy", 0.0), macsByStep, times, layers, hist, mean, b1, large, q, 123_456_789L,
        cell.decision().label(), grid, maps, 0.5, samples, null, 0.0, 0L);
  }

  private String png(Path file, int size) throws Exception {
    BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < size; y++) {
      for (int x = 0; x < size; x++) {
        img.getRaster().setSample(x, y, 0, (x * 31 + y * 17) % 256);
      }
    }
    ImageIO.write(img, "png", file.toFile());
    return resultsDir.relativize(file).toString();
  }
}
