package io.diffexit.harness.fidelity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ImageFidelityTest {

  private static final int S = 28;

  /*
   * Expected values from an independent NumPy/SciPy implementation of scikit-image's
   * structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=255):
   *   filt = lambda z: scipy.ndimage.gaussian_filter(z, sigma=1.5, truncate=3.5, mode='reflect')
   *   ux, uy, uxx, uyy, uxy = filt(x), filt(y), filt(x*x), filt(y*y), filt(x*y)
   *   S = ((2*ux*uy + C1) * (2*(uxy-ux*uy) + C2)) / ((ux**2 + uy**2 + C1) * (uxx-ux**2 + uyy-uy**2 + C2))
   *   ssim = S[5:-5, 5:-5].mean();  psnr = 10*log10(255**2 / mean((x-y)**2))
   */
  private static byte[] ramp() {
    byte[] px = new byte[S * S];
    for (int y = 0; y < S; y++) {
      for (int x = 0; x < S; x++) {
        px[y * S + x] = (byte) (20 + 5 * x + 2 * y);
      }
    }
    return px;
  }

  private static byte[] rampWithTexture() {
    byte[] px = new byte[S * S];
    for (int y = 0; y < S; y++) {
      for (int x = 0; x < S; x++) {
        px[y * S + x] = (byte) (20 + 5 * x + 2 * y + (x * y) % 7 - 3);
      }
    }
    return px;
  }

  private static byte[] pattern(int mul, int add) {
    byte[] px = new byte[S * S];
    for (int i = 0; i < px.length; i++) {
      px[i] = (byte) ((i * mul + add) % 256);
    }
    return px;
  }

  @Test
  void smoothImagesMatchScikitImageConventions() {
    ImageFidelity f = new ImageFidelity(1, S, S);
    assertThat(f.ssim(rampWithTexture(), 0, ramp(), 0)).isCloseTo(0.976749789864102, within(1e-12));
    assertThat(f.psnr(rampWithTexture(), 0, ramp(), 0)).isCloseTo(41.3966446100428, within(1e-10));
  }

  @Test
  void unrelatedImagesScoreLow() {
    ImageFidelity f = new ImageFidelity(1, S, S);
    assertThat(f.ssim(pattern(37, 0), 0, pattern(11, 5), 0)).isCloseTo(0.03255373419254813, within(1e-12));
    assertThat(f.psnr(pattern(37, 0), 0, pattern(11, 5), 0)).isCloseTo(7.835599298998294, within(1e-10));
  }

  @Test
  void constantImagesGiveTheClosedForm() {
    byte[] a = new byte[S * S];
    byte[] b = new byte[S * S];
    java.util.Arrays.fill(a, (byte) 100);
    java.util.Arrays.fill(b, (byte) 110);
    ImageFidelity f = new ImageFidelity(1, S, S);
    // MSE 100: 10·log10(65025/100); no variance: SSIM = (2·100·110 + C1) / (100² + 110² + C1), C1 = 2.55²
    assertThat(f.psnr(a, 0, b, 0)).isCloseTo(10 * Math.log10(65025.0 / 100), within(1e-12));
    assertThat(f.ssim(a, 0, b, 0)).isCloseTo((22000 + 6.5025) / (22100 + 6.5025), within(1e-12));
  }

  @Test
  void identicalImagesScoreOneAndTheCappedPsnr() {
    ImageFidelity f = new ImageFidelity(1, S, S);
    assertThat(f.ssim(ramp(), 0, ramp(), 0)).isCloseTo(1.0, within(1e-12));
    assertThat(f.psnr(ramp(), 0, ramp(), 0)).isEqualTo(ImageFidelity.PSNR_IDENTICAL);
  }

  @Test
  void channelsAreAveragedAndOffsetsSelectTheImage() {
    byte[] two = new byte[2 * S * S];
    byte[] ref = new byte[2 * S * S];
    System.arraycopy(pattern(37, 0), 0, two, 0, S * S);
    System.arraycopy(rampWithTexture(), 0, two, S * S, S * S);
    System.arraycopy(pattern(11, 5), 0, ref, 0, S * S);
    System.arraycopy(ramp(), 0, ref, S * S, S * S);
    assertThat(new ImageFidelity(2, S, S).ssim(two, 0, ref, 0)).isCloseTo(0.5046517620283251, within(1e-12));
    assertThat(new ImageFidelity(1, S, S).ssim(two, S * S, ref, S * S)).isCloseTo(0.976749789864102, within(1e-12));
  }

  @Test
  void imagesSmallerThanTheWindowAreRejected() {
    assertThatThrownBy(() -> new ImageFidelity(1, 8, 28))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("SSIM needs images of at least 11x11 pixels and one channel, got 1x8x28");
  }
}
