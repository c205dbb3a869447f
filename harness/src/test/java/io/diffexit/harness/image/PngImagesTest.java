package io.diffexit.harness.image;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PngImagesTest {

  @TempDir Path dir;

  @Test
  void mapsMinusOneOneToBytesWithClamping() {
    assertThat(PngImages.toByte(-1f, false)).isZero();
    assertThat(PngImages.toByte(0f, false)).isEqualTo(128); // round(127.5)
    assertThat(PngImages.toByte(1f, false)).isEqualTo(255);
    assertThat(PngImages.toByte(3f, false)).isEqualTo(255);
    assertThat(PngImages.toByte(-7f, false)).isZero();
    assertThat(PngImages.toByte(0.2f, true)).isEqualTo(51);
  }

  @Test
  void gridPlacesImagesInRowsWithBorders() throws IOException {
    // Three 2x2 grey images: all -1, all 0, all 1; two columns.
    float[] v = {-1, -1, -1, -1, 0, 0, 0, 0, 1, 1, 1, 1};
    Path file = dir.resolve("grid.png");
    PngImages.writeGrid(v, 3, 1, 2, 2, 2, false, file);
    BufferedImage img = ImageIO.read(file.toFile());
    assertThat(img.getWidth()).isEqualTo(2 * (2 + 2) + 2);
    assertThat(img.getHeight()).isEqualTo(2 * (2 + 2) + 2);
    assertThat(img.getRGB(2, 2) & 0xff).isZero();
    assertThat(img.getRGB(6, 2) & 0xff).isEqualTo(128);
    assertThat(img.getRGB(2, 6) & 0xff).isEqualTo(255);
  }

  @Test
  void eachImageIsWrittenAsItsOwnGreyPng() throws IOException {
    float[] v = {-1, 1, 1, -1};
    PngImages.writeEach(v, 1, 1, 2, 2, false, dir, "s", 7);
    BufferedImage img = ImageIO.read(dir.resolve("s00007.png").toFile());
    assertThat(img.getType()).isEqualTo(BufferedImage.TYPE_BYTE_GRAY);
    assertThat(img.getRaster().getSample(1, 0, 0)).isEqualTo(255);
    assertThat(img.getRaster().getSample(0, 0, 0)).isZero();
  }

  @Test
  void aScaledGridDrawsEachPixelAsABlockWithTheSameBorder() throws IOException {
    float[] v = {-1, 1, 1, -1}; // one 2x2 image: black, white / white, black
    Path file = dir.resolve("scaled.png");
    PngImages.writeGrid(v, 1, 1, 2, 2, 8, false, 3, file);
    BufferedImage img = ImageIO.read(file.toFile());
    assertThat(img.getWidth()).isEqualTo(2 + 6 + 2);
    assertThat(img.getRGB(2, 2) & 0xff).isZero();
    assertThat(img.getRGB(4, 4) & 0xff).as("still the first pixel").isZero();
    assertThat(img.getRGB(5, 2) & 0xff).as("the second pixel starts at x = 2 + 3").isEqualTo(255);
    assertThat(img.getRGB(5, 5) & 0xff).isZero();
    assertThat(PngImages.scaleFor(28, 28, 96)).isEqualTo(4); // 112 px tiles
    assertThat(PngImages.scaleFor(256, 256, 96)).isEqualTo(1);
  }
}
