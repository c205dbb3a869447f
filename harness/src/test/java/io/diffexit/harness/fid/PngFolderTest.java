package io.diffexit.harness.fid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.diffexit.harness.UserError;
import io.diffexit.harness.data.ImageSet;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PngFolderTest {

  @TempDir Path dir;

  static void grey(Path f, int w, int h, int value) throws IOException {
    BufferedImage g = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        g.getRaster().setSample(x, y, 0, value);
      }
    }
    ImageIO.write(g, "png", f.toFile());
  }

  @Test
  void greyFolderGivesOneChannelAndAColourImageMakesAllRgb() throws IOException {
    grey(dir.resolve("a.png"), 4, 3, 200);
    ImageSet one = PngFolder.load(dir, 0);
    assertThat(one.channels()).isEqualTo(1);
    assertThat(one.size()).isEqualTo(1);
    BufferedImage c = new BufferedImage(4, 3, BufferedImage.TYPE_INT_RGB);
    c.setRGB(0, 0, 0xff0000);
    ImageIO.write(c, "png", dir.resolve("b.png").toFile());
    ImageSet both = PngFolder.load(dir, 0);
    assertThat(both.channels()).isEqualTo(3);
    assertThat(both.size()).isEqualTo(2);
    assertThat(PngFolder.load(dir, 1).size()).isEqualTo(1);
  }

  @Test
  void imagesOfDifferentSizesAreRefused() throws IOException {
    grey(dir.resolve("a.png"), 28, 28, 0);
    grey(dir.resolve("b.png"), 32, 32, 0);
    assertThatThrownBy(() -> PngFolder.load(dir, 0))
        .isInstanceOf(UserError.class)
        .hasMessage(dir.resolve("b.png") + " is 32x32 but " + dir.resolve("a.png") + " is 28x28; all images in " + dir
            + " must have one size");
  }

  @Test
  void emptyFolderIsRefused() {
    assertThatThrownBy(() -> PngFolder.load(dir, 0)).hasMessage("image folder " + dir + " holds no .png files");
  }
}
