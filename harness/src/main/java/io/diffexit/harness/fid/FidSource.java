package io.diffexit.harness.fid;

import io.diffexit.harness.UserError;
import io.diffexit.harness.data.FashionMnist;
import io.diffexit.harness.data.ImageSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One side of an FID/KID comparison as users write it:
 * <ul>
 *   <li>{@code FILE.npz}: a statistics file (ours or pytorch-fid's);
 *   <li>{@code fashion-mnist:test}, {@code fashion-mnist:train[:N]}: a dataset split, optionally its first N images;
 *   <li>{@code gaussian-noise:N}: N 28×28 grey images of clipped Gaussian noise, pixel = clip(0.5 + 0.25 z, 0, 1)
 *       quantized to 8 bits, seed 0 (a sanity reference: any real model should be far closer to the data);
 *   <li>a folder of PNG images.
 * </ul>
 */
public sealed interface FidSource {

  /** @return the label used in output, e.g. {@code fashion-mnist:test[:1000]} */
  String label();

  /** A statistics file. @param path the .npz */
  record Stats(Path path) implements FidSource {
    @Override
    public String label() {
      return path.toString();
    }
  }

  /**
   * Images to run through the extractor.
   *
   * @param images the images
   * @param label their label
   * @param split the dataset split ("" when not a dataset split)
   */
  record Images(ImageSet images, String label, String split) implements FidSource {}

  /** Pattern of dataset sources. */
  Pattern DATASET = Pattern.compile("fashion-mnist:(train|test)(?:\\[:(\\d+)]|:(\\d+))?");
  /** Pattern of noise sources. */
  Pattern NOISE = Pattern.compile("gaussian-noise:(\\d+)");

  /**
   * @param text the user's argument
   * @param dataDir the Fashion-MNIST folder (null for the default)
   * @throws IllegalArgumentException or {@link UserError} naming the argument and the accepted forms
   */
  static FidSource parse(String text, Path dataDir) {
    Matcher m = DATASET.matcher(text);
    if (m.matches()) {
      FashionMnist.Split split = FashionMnist.Split.parse(m.group(1));
      ImageSet set = FashionMnist.load(dataDir, split);
      String n = m.group(2) != null ? m.group(2) : m.group(3);
      String label = "fashion-mnist:" + split.label();
      if (n != null) {
        int k = Integer.parseInt(n);
        if (k < 1 || k > set.size()) {
          throw new IllegalArgumentException("'" + text + "': the " + split.label() + " split has " + set.size()
              + " images; N must be in [1, " + set.size() + "]");
        }
        if (k < set.size()) {
          set = set.head(k);
          label += "[:" + k + "]";
        }
      }
      return new Images(set, label, split.label());
    }
    Matcher noise = NOISE.matcher(text);
    if (noise.matches()) {
      int n = Integer.parseInt(noise.group(1));
      if (n < 1) {
        throw new IllegalArgumentException("'" + text + "': the number of noise images must be ≥ 1");
      }
      return new Images(gaussianNoise(n, 0), text, "");
    }
    if (text.startsWith("fashion-mnist")) {
      throw new IllegalArgumentException("cannot read '" + text + "': write fashion-mnist:train, fashion-mnist:test "
          + "or fashion-mnist:train[:N]");
    }
    Path p = Path.of(text);
    if (text.endsWith(".npz")) {
      if (!Files.isRegularFile(p)) {
        throw new UserError("statistics file " + p + " not found; make one with `diffexit fid-stats`");
      }
      return new Stats(p);
    }
    if (Files.isDirectory(p)) {
      return new Images(PngFolder.load(p, 0), "folder:" + p, "");
    }
    throw new UserError("cannot read '" + text + "': give a .npz statistics file, a folder of PNGs, "
        + "fashion-mnist:train|test[:N] or gaussian-noise:N");
  }

  /** @return n 1×28×28 images with pixels clip(0.5 + 0.25 z, 0, 1) rounded to bytes, z ~ N(0, 1) from {@code seed} */
  static ImageSet gaussianNoise(int n, long seed) {
    Random rng = new Random(seed);
    byte[] px = new byte[n * 28 * 28];
    for (int i = 0; i < px.length; i++) {
      double v = Math.min(1, Math.max(0, 0.5 + 0.25 * rng.nextGaussian()));
      px[i] = (byte) Math.round(v * 255);
    }
    return new ImageSet("gaussian-noise:" + n, px, null, n, 1, 28, 28);
  }
}
