package io.diffexit.harness.data;

import io.diffexit.harness.UserError;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Reads Fashion-MNIST from the original gzip IDX files, as Debian's {@code dataset-fashion-mnist} installs them under
 * {@value #DEFAULT_DIR} (or any folder holding the four {@code *-idx?-ubyte.gz} files). Nothing is downloaded.
 */
public final class FashionMnist {

  /** Where Debian's {@code dataset-fashion-mnist} puts the files. */
  public static final String DEFAULT_DIR = "/usr/share/datasets/fashion-mnist";

  private static final int IMAGES_MAGIC = 0x00000803;
  private static final int LABELS_MAGIC = 0x00000801;

  /** The two splits. */
  public enum Split {
    /** 60 000 training images */
    TRAIN("train"),
    /** 10 000 test images */
    TEST("t10k");

    private final String prefix;

    Split(String prefix) {
      this.prefix = prefix;
    }

    /** @return {@code train} or {@code test} */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** @return the split for {@code train} or {@code test} */
    public static Split parse(String text) {
      for (Split s : values()) {
        if (s.label().equalsIgnoreCase(text)) {
          return s;
        }
      }
      throw new IllegalArgumentException("unknown split '" + text + "'; known: [train, test]");
    }
  }

  private FashionMnist() {}

  /** @return the data folder: {@code dir} when given, else {@value #DEFAULT_DIR} */
  public static Path directory(Path dir) {
    return dir != null ? dir : Path.of(DEFAULT_DIR);
  }

  /**
   * @param dir the folder with the gzip IDX files, or null for {@value #DEFAULT_DIR}
   * @param split train or test
   * @return the images (1×28×28, bytes) with labels
   * @throws UserError naming the file and the package when a file is missing or corrupt
   */
  public static ImageSet load(Path dir, Split split) {
    Path folder = directory(dir);
    Path images = folder.resolve(split.prefix + "-images-idx3-ubyte.gz");
    Path labels = folder.resolve(split.prefix + "-labels-idx1-ubyte.gz");
    Idx img = read(images, IMAGES_MAGIC, 3);
    Idx lab = read(labels, LABELS_MAGIC, 1);
    if (img.dims[0] != lab.dims[0]) {
      throw new UserError(
          "Fashion-MNIST files disagree: " + images + " has " + img.dims[0] + " images but " + labels + " has "
              + lab.dims[0] + " labels; reinstall them with `apt-get install --reinstall dataset-fashion-mnist`");
    }
    int[] l = new int[lab.data.length];
    for (int i = 0; i < l.length; i++) {
      l[i] = lab.data[i] & 0xff;
      if (l[i] > 9) {
        throw new UserError(labels + " is corrupt: label " + l[i] + " at " + i + " is not in [0, 9]");
      }
    }
    return new ImageSet("fashion-mnist/" + split.label(), img.data, l, img.dims[0], 1, img.dims[1], img.dims[2]);
  }

  private record Idx(int[] dims, byte[] data) {}

  private static Idx read(Path file, int magic, int rank) {
    if (!Files.isRegularFile(file)) {
      throw new UserError(
          "Fashion-MNIST file " + file + " not found; install Debian's package with "
              + "`apt-get install -y dataset-fashion-mnist` or pass --data DIR with the four *-ubyte.gz files");
    }
    try (InputStream raw = Files.newInputStream(file);
        DataInputStream in = new DataInputStream(new BufferedInputStream(new GZIPInputStream(raw), 1 << 16))) {
      int m = in.readInt();
      if (m != magic) {
        throw new UserError(
            file + " is corrupt: IDX magic " + String.format("0x%08x", m) + ", expected "
                + String.format("0x%08x", magic) + "; reinstall with `apt-get install --reinstall dataset-fashion-mnist`");
      }
      int[] dims = new int[rank];
      long total = 1;
      for (int i = 0; i < rank; i++) {
        dims[i] = in.readInt();
        if (dims[i] <= 0) {
          throw new UserError(file + " is corrupt: dimension " + i + " is " + dims[i]);
        }
        total *= dims[i];
      }
      if (total > Integer.MAX_VALUE) {
        throw new UserError(file + " is corrupt: " + total + " values is more than this reader holds");
      }
      byte[] data = new byte[(int) total];
      try {
        in.readFully(data);
      } catch (EOFException e) {
        throw new UserError(file + " is truncated: the header announces " + total + " values; reinstall it");
      }
      return new Idx(dims, data);
    } catch (ZipException e) {
      throw new UserError(file + " is corrupt (not gzip: " + e.getMessage() + "); reinstall dataset-fashion-mnist");
    } catch (EOFException e) {
      throw new UserError(file + " is truncated; reinstall dataset-fashion-mnist");
    } catch (IOException e) {
      throw new UserError("cannot read " + file + ": " + e.getMessage());
    }
  }
}
