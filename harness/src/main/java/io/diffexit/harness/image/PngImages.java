package io.diffexit.harness.image;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/**
 * Writes generated images as PNG: one grid for people, one file per image for FID on folders.
 *
 * <p>Convention: model outputs in [−1, 1] map to pixels by round(255 · clamp(0.5 · (x + 1), 0, 1)), as U-ViT's
 * {@code 0.5(x+1)} followed by torchvision's {@code save_image}. Maps already in [0, 1] use {@code unit = true}.
 */
public final class PngImages {

  private PngImages() {}

  /** @return the 8-bit value of one sample value */
  public static int toByte(float value, boolean unit) {
    float v = unit ? value : 0.5f * (value + 1f);
    if (Float.isNaN(v)) {
      return 0;
    }
    return Math.round(255f * Math.max(0f, Math.min(1f, v)));
  }

  /**
   * Writes images (N, C, H, W) as a grid of {@code columns} columns with a 2-pixel border.
   *
   * @param images row-major values
   * @param count N
   * @param channels C (1 = grey, 3 = RGB)
   * @param height H
   * @param width W
   * @param columns images per row
   * @param unit whether values are in [0, 1] rather than [−1, 1]
   * @param file the PNG to write (parent folders are created)
   */
  public static void writeGrid(
      float[] images, int count, int channels, int height, int width, int columns, boolean unit, Path file) {
    writeGrid(images, count, channels, height, width, columns, unit, 1, file);
  }

  /** @return the integer upscale that makes a tile's shorter side at least {@code minPixels} (1 when it is already) */
  public static int scaleFor(int height, int width, int minPixels) {
    return Math.max(1, (minPixels + Math.min(height, width) - 1) / Math.min(height, width));
  }

  /**
   * As {@link #writeGrid(float[], int, int, int, int, int, boolean, Path)}, each pixel drawn as a {@code scale} ×
   * {@code scale} block (nearest neighbour: no interpolation invents detail), so that 28 px images stay readable in
   * a paper or on a screen; the border stays 2 pixels.
   */
  public static void writeGrid(float[] images, int count, int channels, int height, int width, int columns,
      boolean unit, int scale, Path file) {
    if (scale < 1) {
      throw new IllegalArgumentException("grid scale must be at least 1, got " + scale);
    }
    if (channels != 1 && channels != 3) {
      throw new IllegalArgumentException("PNG grids take 1 or 3 channels, got " + channels);
    }
    int cols = Math.max(1, Math.min(columns, count));
    int rows = (count + cols - 1) / cols;
    int pad = 2;
    int th = height * scale;
    int tw = width * scale;
    int gw = cols * (tw + pad) + pad;
    int gh = rows * (th + pad) + pad;
    BufferedImage img = new BufferedImage(gw, gh, BufferedImage.TYPE_INT_RGB);
    int per = channels * height * width;
    for (int n = 0; n < count; n++) {
      int ox = pad + (n % cols) * (tw + pad);
      int oy = pad + (n / cols) * (th + pad);
      for (int y = 0; y < th; y++) {
        for (int x = 0; x < tw; x++) {
          img.setRGB(ox + x, oy + y, rgb(images, n * per, channels, height, width, y / scale, x / scale, unit));
        }
      }
    }
    write(img, file);
  }

  /**
   * Writes each image as {@code prefix%05d.png} in a folder (grey or RGB), e.g. for FID against a folder.
   *
   * @param firstIndex the number of the first file
   */
  public static void writeEach(
      float[] images, int count, int channels, int height, int width, boolean unit, Path folder, String prefix,
      int firstIndex) {
    int per = channels * height * width;
    for (int n = 0; n < count; n++) {
      BufferedImage img =
          new BufferedImage(
              width, height, channels == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
      for (int y = 0; y < height; y++) {
        for (int x = 0; x < width; x++) {
          if (channels == 1) {
            int v = toByte(images[n * per + y * width + x], unit);
            img.getRaster().setSample(x, y, 0, v);
          } else {
            img.setRGB(x, y, rgb(images, n * per, channels, height, width, y, x, unit));
          }
        }
      }
      write(img, folder.resolve(String.format("%s%05d.png", prefix, firstIndex + n)));
    }
  }

  private static int rgb(float[] v, int base, int channels, int height, int width, int y, int x, boolean unit) {
    int plane = height * width;
    int r = toByte(v[base + y * width + x], unit);
    int g = channels == 3 ? toByte(v[base + plane + y * width + x], unit) : r;
    int b = channels == 3 ? toByte(v[base + 2 * plane + y * width + x], unit) : r;
    return (r << 16) | (g << 8) | b;
  }

  private static void write(BufferedImage img, Path file) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      if (!ImageIO.write(img, "png", file.toFile())) {
        throw new IllegalStateException("no PNG writer available in this JVM");
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }
}
