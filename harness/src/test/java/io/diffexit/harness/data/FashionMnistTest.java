package io.diffexit.harness.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.diffexit.harness.UserError;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistTest {

  @TempDir Path dir;

  @Test
  void readsTheInstalledDebianFilesWithTheirKnownSizes() {
    Path installed = Path.of(FashionMnist.DEFAULT_DIR);
    assertThat(installed.resolve("t10k-images-idx3-ubyte.gz"))
        .as("Fashion-MNIST must be installed: apt-get install -y dataset-fashion-mnist")
        .exists();
    ImageSet test = FashionMnist.load(null, FashionMnist.Split.TEST);
    assertThat(test.size()).isEqualTo(10_000);
    assertThat(test.height()).isEqualTo(28);
    assertThat(test.width()).isEqualTo(28);
    assertThat(test.channels()).isEqualTo(1);
    // The first test image of Fashion-MNIST is an ankle boot (class 9), the second a pullover (class 2).
    assertThat(test.label(0)).isEqualTo(9);
    assertThat(test.label(1)).isEqualTo(2);
  }

  @Test
  void readsASmallHandMadeFileAndScalesPixelsToMinusOneOne() throws IOException {
    writeImages(dir.resolve("t10k-images-idx3-ubyte.gz"), 0x803, 2, new byte[] {0, (byte) 255, 0, 0, 0, 0, 0, (byte) 51});
    writeLabels(dir.resolve("t10k-labels-idx1-ubyte.gz"), 0x801, new byte[] {3, 7});
    ImageSet set = FashionMnist.load(dir, FashionMnist.Split.TEST);
    assertThat(set.size()).isEqualTo(2);
    assertThat(set.label(1)).isEqualTo(7);
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray b = set.batch(m, new int[] {1, 0});
      assertThat(b.getShape().getShape()).containsExactly(2, 1, 2, 2);
      float[] v = b.toFloatArray();
      assertThat(v[3]).isEqualTo(51f / 255f * 2 - 1, org.assertj.core.data.Offset.offset(1e-6f));
      assertThat(v[4]).isEqualTo(-1f);
      assertThat(v[5]).isEqualTo(1f);
    }
  }

  @Test
  void missingFileNamesTheFileAndTheDebianPackage() {
    assertThatThrownBy(() -> FashionMnist.load(dir, FashionMnist.Split.TRAIN))
        .isInstanceOf(UserError.class)
        .hasMessageContaining(dir.resolve("train-images-idx3-ubyte.gz").toString())
        .hasMessageContaining("apt-get install -y dataset-fashion-mnist");
  }

  @Test
  void wrongMagicIsReportedAsCorrupt() throws IOException {
    writeImages(dir.resolve("t10k-images-idx3-ubyte.gz"), 0x801, 1, new byte[4]);
    writeLabels(dir.resolve("t10k-labels-idx1-ubyte.gz"), 0x801, new byte[] {1});
    assertThatThrownBy(() -> FashionMnist.load(dir, FashionMnist.Split.TEST))
        .isInstanceOf(UserError.class)
        .hasMessage(
            dir.resolve("t10k-images-idx3-ubyte.gz") + " is corrupt: IDX magic 0x00000801, expected 0x00000803;"
                + " reinstall with `apt-get install --reinstall dataset-fashion-mnist`");
  }

  @Test
  void truncatedFileIsReported() throws IOException {
    writeImages(dir.resolve("t10k-images-idx3-ubyte.gz"), 0x803, 3, new byte[5]);
    writeLabels(dir.resolve("t10k-labels-idx1-ubyte.gz"), 0x801, new byte[] {1, 2, 3});
    assertThatThrownBy(() -> FashionMnist.load(dir, FashionMnist.Split.TEST))
        .isInstanceOf(UserError.class)
        .hasMessageContaining("is truncated");
  }

  @Test
  void aFileThatIsNotGzipIsReportedAsCorrupt() throws IOException {
    Files.writeString(dir.resolve("t10k-images-idx3-ubyte.gz"), "not gzip at all");
    assertThatThrownBy(() -> FashionMnist.load(dir, FashionMnist.Split.TEST))
        .isInstanceOf(UserError.class)
        .hasMessageContaining("t10k-images-idx3-ubyte.gz is corrupt (not gzip");
  }

  @Test
  void labelsAndImagesMustAgreeInCount() throws IOException {
    writeImages(dir.resolve("t10k-images-idx3-ubyte.gz"), 0x803, 2, new byte[8]);
    writeLabels(dir.resolve("t10k-labels-idx1-ubyte.gz"), 0x801, new byte[] {1});
    assertThatThrownBy(() -> FashionMnist.load(dir, FashionMnist.Split.TEST))
        .isInstanceOf(UserError.class)
        .hasMessageContaining("has 2 images but")
        .hasMessageContaining("has 1 labels");
  }

  /** Writes n images of 2×2 pixels. */
  private static void writeImages(Path file, int magic, int n, byte[] pixels) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt(magic);
    out.writeInt(n);
    out.writeInt(2);
    out.writeInt(2);
    out.write(pixels);
    gzip(file, bytes.toByteArray());
  }

  private static void writeLabels(Path file, int magic, byte[] labels) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.writeInt(magic);
    out.writeInt(labels.length);
    out.write(labels);
    gzip(file, bytes.toByteArray());
  }

  private static void gzip(Path file, byte[] content) throws IOException {
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
      out.write(content);
    }
  }
}
