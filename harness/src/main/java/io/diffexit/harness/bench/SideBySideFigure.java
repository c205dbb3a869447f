package io.diffexit.harness.bench;

import io.diffexit.harness.fidelity.SavedSamples;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * A figure of samples from the same initial noise, one row per cell and one column per sample: what an acceleration
 * changes in each image, at a glance. Written as a standalone SVG: a text label per row (strategy, MACs saved, FID)
 * and the row's tiles as one embedded PNG, upscaled by pixel repetition so that each tile is at least
 * {@link #MIN_TILE} pixels wide (28-pixel Fashion-MNIST images become 84 px) and stays sharp in any viewer.
 */
final class SideBySideFigure {

  /** Smallest tile side in pixels. */
  static final int MIN_TILE = 84;
  private static final int GAP = 4;
  /** Narrowest label column in pixels. */
  static final int MIN_LABEL_WIDTH = 300;
  /**
   * Width allowed per label character at 13 px: wider than the mean glyph of the common sans-serif faces, so a long
   * label (a checkpoint path in the strategy's name) ends before the tiles instead of running under them.
   */
  static final double CHAR_WIDTH = 7.5;
  private static final int TITLE = 28;

  /**
   * A row of the figure.
   *
   * @param label what the row shows, e.g. {@code fixed[layer=7] · 49% MACs saved · FID 31.2}
   * @param samples the cell's saved samples
   */
  record Row(String label, SavedSamples samples) {}

  private SideBySideFigure() {}

  /**
   * @param title the figure's heading
   * @param rows the rows, top to bottom; they must hold images of one shape
   * @param columns samples per row (the first ones, the same noise in every row)
   * @return the SVG document
   * @throws IllegalArgumentException when rows differ in image shape or hold fewer than {@code columns} samples
   */
  static String svg(String title, List<Row> rows, int columns) {
    if (rows.isEmpty()) {
      throw new IllegalArgumentException("a side-by-side figure needs at least one row");
    }
    SavedSamples first = rows.get(0).samples();
    int scale = Math.max(1, (MIN_TILE + first.width() - 1) / first.width());
    int tileW = first.width() * scale;
    int tileH = first.height() * scale;
    int stripW = columns * tileW + (columns - 1) * GAP;
    int labelWidth = labelWidth(rows);
    int width = labelWidth + stripW + GAP;
    int height = TITLE + rows.size() * (tileH + GAP);
    StringBuilder sb = new StringBuilder("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        .append(String.format(Locale.ROOT,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\">",
            width, height, width, height))
        .append("<style>text{font-family:system-ui,sans-serif;font-size:13px}</style>")
        .append("<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>")
        .append("<text x=\"4\" y=\"18\" font-weight=\"bold\">").append(escape(title)).append("</text>");
    int y = TITLE;
    for (Row row : rows) {
      SavedSamples s = row.samples();
      if (s.channels() != first.channels() || s.height() != first.height() || s.width() != first.width()) {
        throw new IllegalArgumentException("side-by-side rows hold images of different shapes: " + row.label());
      }
      if (s.count() < columns) {
        throw new IllegalArgumentException("row '" + row.label() + "' has " + s.count() + " samples, fewer than the "
            + columns + " columns");
      }
      sb.append(String.format(Locale.ROOT, "<text x=\"4\" y=\"%d\">", y + tileH / 2 + 5))
          .append(escape(row.label())).append("</text>")
          .append(String.format(Locale.ROOT,
              "<image x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" href=\"data:image/png;base64,%s\"/>",
              labelWidth, y, stripW, tileH, Base64.getEncoder().encodeToString(strip(s, columns, scale))));
      y += tileH + GAP;
    }
    return sb.append("</svg>\n").toString();
  }

  /**
   * @return the label column's width: the longest label at {@link #CHAR_WIDTH} a character plus a margin, at least
   *     {@link #MIN_LABEL_WIDTH}
   */
  static int labelWidth(List<Row> rows) {
    int chars = 0;
    for (Row row : rows) {
      chars = Math.max(chars, row.label().length());
    }
    return Math.max(MIN_LABEL_WIDTH, (int) Math.ceil(chars * CHAR_WIDTH) + 12);
  }

  /** @return a PNG of the first {@code columns} samples side by side, each pixel repeated {@code scale}× */
  static byte[] strip(SavedSamples s, int columns, int scale) {
    int tileW = s.width() * scale;
    int tileH = s.height() * scale;
    int w = columns * tileW + (columns - 1) * GAP;
    boolean rgb = s.channels() >= 3;
    BufferedImage img = new BufferedImage(w, tileH, rgb ? BufferedImage.TYPE_INT_RGB : BufferedImage.TYPE_BYTE_GRAY);
    int plane = s.height() * s.width();
    int per = s.channels() * plane;
    for (int y = 0; y < tileH; y++) {
      for (int x = 0; x < w; x++) {
        int col = x / (tileW + GAP);
        int inX = x - col * (tileW + GAP);
        int value;
        if (inX >= tileW) {
          value = rgb ? 0xffffff : 255; // the gap between tiles
        } else {
          int p = col * per + (y / scale) * s.width() + inX / scale;
          if (rgb) {
            value = (s.pixels()[p] & 0xff) << 16 | (s.pixels()[p + plane] & 0xff) << 8 | s.pixels()[p + 2 * plane] & 0xff;
          } else {
            value = s.pixels()[p] & 0xff;
          }
        }
        if (rgb) {
          img.setRGB(x, y, value);
        } else {
          img.getRaster().setSample(x, y, 0, value);
        }
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(img, "png", out);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot encode a PNG strip: " + e.getMessage(), e);
    }
    return out.toByteArray();
  }

  private static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
