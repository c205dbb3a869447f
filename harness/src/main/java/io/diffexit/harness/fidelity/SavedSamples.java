package io.diffexit.harness.fidelity;

import io.diffexit.harness.fid.Npy;
import io.diffexit.harness.image.PngImages;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A cell's generated images as saved ({@code samples-u8.npy}: numpy {@code |u1}, shape (N, C, H, W)), the 8-bit
 * pixels of {@link PngImages#toByte}, so that later cells can be compared with them sample by sample.
 *
 * @param pixels the 8-bit pixels, (N, C, H, W) row-major
 * @param count N
 * @param channels C
 * @param height H
 * @param width W
 */
public record SavedSamples(byte[] pixels, int count, int channels, int height, int width) {

  /** File name in a cell's folder. */
  public static final String FILE = "samples-u8.npy";

  public SavedSamples {
    if ((long) count * channels * height * width != pixels.length) {
      throw new IllegalArgumentException(pixels.length + " pixels are not " + count + " images of " + channels + "x"
          + height + "x" + width);
    }
  }

  /**
   * @param images model outputs in the data range (about [−1, 1]), (N, C, H, W) row-major
   * @return them as 8-bit pixels, exactly as the PNG files store them
   */
  public static SavedSamples of(float[] images, int count, int channels, int height, int width) {
    byte[] px = new byte[images.length];
    for (int i = 0; i < images.length; i++) {
      px[i] = (byte) PngImages.toByte(images[i], false);
    }
    return new SavedSamples(px, count, channels, height, width);
  }

  /** Writes {@code dir/samples-u8.npy} atomically; @return the file */
  public Path write(Path dir) {
    Path file = dir.resolve(FILE);
    Path tmp = dir.resolve(FILE + ".tmp");
    try {
      Files.write(tmp, Npy.writeUint8(pixels, count, channels, height, width));
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
    return file;
  }

  /**
   * @param file a {@code samples-u8.npy}
   * @throws IllegalArgumentException one line naming the file when it is not a 4-D {@code |u1} array
   */
  public static SavedSamples read(Path file) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read saved samples " + file + ": " + e.getMessage(), e);
    }
    Npy.Array a = Npy.read(bytes, file.toString());
    if (!a.descr().equals("|u1") || a.shape().length != 4) {
      throw new IllegalArgumentException(file + " holds " + a.descr() + " " + a.shapeText()
          + ", not 8-bit images (N, C, H, W); delete it and rerun its cell");
    }
    byte[] px = new byte[a.values().length];
    for (int i = 0; i < px.length; i++) {
      px[i] = (byte) (int) a.values()[i];
    }
    long[] s = a.shape();
    return new SavedSamples(px, (int) s[0], (int) s[1], (int) s[2], (int) s[3]);
  }
}
