package io.diffexit.harness.fid;

import io.diffexit.harness.UserError;
import io.diffexit.harness.data.ImageSet;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * Reads a folder of PNG images (sorted by file name) into an {@link ImageSet}. Grey PNGs give one channel; if any image
 * is in colour, all become RGB (grey ones repeated into three channels). Alpha is dropped. All images must share one
 * size. Extractors convert channels as they need (fmnist-net: RGB → luma; inception: grey → RGB).
 */
public final class PngFolder {

  private PngFolder() {}

  /**
   * @param limit read at most this many images (0 = all)
   * @throws UserError naming the folder or file when it is missing, empty, unreadable or inconsistent
   */
  public static ImageSet load(Path dir, int limit) {
    if (!Files.isDirectory(dir)) {
      throw new UserError("image folder " + dir + " not found");
    }
    List<Path> files;
    try (Stream<Path> s = Files.list(dir)) {
      files = s.filter(p -> p.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".png")).sorted().toList();
    } catch (IOException e) {
      throw new UserError("cannot list " + dir + ": " + e.getMessage(), e);
    }
    if (files.isEmpty()) {
      throw new UserError("image folder " + dir + " holds no .png files");
    }
    if (limit > 0 && files.size() > limit) {
      files = files.subList(0, limit);
    }
    int n = files.size();
    BufferedImage[] imgs = new BufferedImage[n];
    boolean colour = false;
    int w = -1;
    int h = -1;
    for (int i = 0; i < n; i++) {
      Path f = files.get(i);
      try {
        imgs[i] = ImageIO.read(f.toFile());
      } catch (IOException e) {
        throw new UserError("cannot read PNG " + f + ": " + e.getMessage(), e);
      }
      if (imgs[i] == null) {
        throw new UserError(f + " is not a readable PNG image");
      }
      if (i == 0) {
        w = imgs[i].getWidth();
        h = imgs[i].getHeight();
      } else if (imgs[i].getWidth() != w || imgs[i].getHeight() != h) {
        throw new UserError(f + " is " + imgs[i].getWidth() + "x" + imgs[i].getHeight() + " but " + files.get(0)
            + " is " + w + "x" + h + "; all images in " + dir + " must have one size");
      }
      colour |= imgs[i].getColorModel().getNumColorComponents() > 1;
    }
    int c = colour ? 3 : 1;
    int per = c * h * w;
    byte[] pixels = new byte[n * per];
    for (int i = 0; i < n; i++) {
      BufferedImage img = imgs[i];
      boolean grey = img.getColorModel().getNumColorComponents() == 1;
      int base = i * per;
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          int at = y * w + x;
          if (grey) {
            // the raster holds the grey level itself; getRGB would apply a colour-space conversion
            int v = img.getRaster().getSample(x, y, 0);
            if (img.getColorModel().getComponentSize(0) == 16) {
              v >>= 8;
            }
            for (int ch = 0; ch < c; ch++) {
              pixels[base + ch * h * w + at] = (byte) v;
            }
          } else {
            int rgb = img.getRGB(x, y);
            pixels[base + at] = (byte) (rgb >> 16);
            pixels[base + h * w + at] = (byte) (rgb >> 8);
            pixels[base + 2 * h * w + at] = (byte) rgb;
          }
        }
      }
    }
    return new ImageSet("folder:" + dir, pixels, null, n, c, h, w);
  }
}
