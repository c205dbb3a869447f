package io.diffexit.harness.fidelity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PairedFidelityTest {

  private static final int S = 12;

  private static byte[] images(int... offsets) {
    byte[] px = new byte[offsets.length * S * S];
    for (int n = 0; n < offsets.length; n++) {
      for (int i = 0; i < S * S; i++) {
        px[n * S * S + i] = (byte) (100 + offsets[n] * ((i % 2) * 2 - 1));
      }
    }
    return px;
  }

  @Test
  void meanAndIntervalFollowTheNormalApproximation() {
    // pixel differences ±d everywhere: MSE = d², PSNR = 20·log10(255/d)
    byte[] ref = images(0, 0, 0);
    byte[] cell = images(1, 2, 4);
    PairedFidelity f = PairedFidelity.measure("b/s/none", cell, ref, 1, S, S);
    double[] p = {20 * Math.log10(255.0), 20 * Math.log10(255.0 / 2), 20 * Math.log10(255.0 / 4)};
    double mean = (p[0] + p[1] + p[2]) / 3;
    double sd = Math.sqrt(((p[0] - mean) * (p[0] - mean) + (p[1] - mean) * (p[1] - mean)
        + (p[2] - mean) * (p[2] - mean)) / 2);
    assertThat(f.samples()).isEqualTo(3);
    assertThat(f.psnrMean()).isCloseTo(mean, within(1e-12));
    assertThat(f.psnrHigh() - f.psnrMean()).isCloseTo(1.959963984540054 * sd / Math.sqrt(3), within(1e-12));
    assertThat(f.psnrMean() - f.psnrLow()).isCloseTo(f.psnrHigh() - f.psnrMean(), within(1e-12));
    assertThat(f.ssimMean()).isBetween(0.0, 1.0);
    assertThat(f.identical()).isZero();
    assertThat(f.baselineId()).isEqualTo("b/s/none");
  }

  @Test
  void identicalSamplesAreCounted() {
    PairedFidelity f = PairedFidelity.measure("base", images(0, 3), images(0, 0), 1, S, S);
    assertThat(f.identical()).isEqualTo(1);
    assertThat(f.psnrMean()).isCloseTo((100 + 20 * Math.log10(255.0 / 3)) / 2, within(1e-12));
  }

  @Test
  void aBaselineWithFewerSamplesIsRejected() {
    assertThatThrownBy(() -> PairedFidelity.measure("u/d/none", images(1, 1, 1), images(0, 0), 1, S, S))
        .hasMessage("paired fidelity: baseline 'u/d/none' has 2 samples, fewer than the cell's 3; rerun the baseline"
            + " with at least as many samples");
  }

  @Test
  void partialImagesAreRejected() {
    assertThatThrownBy(() -> PairedFidelity.measure("x", new byte[S * S + 1], new byte[S * S], 1, S, S))
        .hasMessage("paired fidelity: 145 and 144 pixels are not whole 1x12x12 images");
  }

  @Test
  void savedSamplesRoundTripAsEightBitNpy(@TempDir Path dir) throws Exception {
    float[] values = {-1f, -0.5f, 0f, 0.5f, 1f, 2f, Float.NaN, -3f};
    SavedSamples s = SavedSamples.of(values, 2, 1, 2, 2);
    assertThat(s.pixels()).containsExactly(0, 64, (byte) 128, (byte) 191, (byte) 255, (byte) 255, 0, 0);
    Path file = s.write(dir);
    assertThat(file.getFileName().toString()).isEqualTo("samples-u8.npy");
    SavedSamples back = SavedSamples.read(file);
    assertThat(back.pixels()).isEqualTo(s.pixels());
    assertThat(new int[] {back.count(), back.channels(), back.height(), back.width()}).containsExactly(2, 1, 2, 2);
  }

  @Test
  void aFileThatIsNotEightBitImagesIsNamed(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("samples-u8.npy");
    Files.write(file, io.diffexit.harness.fid.Npy.writeFloat64(new double[] {1, 2}, 2));
    assertThatThrownBy(() -> SavedSamples.read(file))
        .hasMessage(file + " holds <f8 (2,), not 8-bit images (N, C, H, W); delete it and rerun its cell");
  }
}
