package io.diffexit.harness.fidelity;

import java.util.Objects;

/**
 * Fidelity of a cell's samples to the full model's samples from the same initial noise: per-sample PSNR and SSIM
 * ({@link ImageFidelity}), their means and 95% confidence intervals of the mean. Paired by noise, these are far
 * steadier than FID at a thousand samples and say how much an acceleration changes each image.
 *
 * <p>Interval: mean ± 1.96·s/√n with the sample standard deviation s (n − 1), the normal approximation; with
 * n ≥ 30 it is what a t-interval gives to within 4%.
 *
 * @param baselineId the cell whose samples are the reference (the full model, strategy {@code none})
 * @param samples number of pairs
 * @param psnrMean mean PSNR in dB
 * @param psnrLow lower end of the 95% interval of the mean PSNR
 * @param psnrHigh upper end
 * @param ssimMean mean SSIM
 * @param ssimLow lower end of the 95% interval of the mean SSIM
 * @param ssimHigh upper end
 * @param identical pairs whose 8-bit images are identical (their PSNR counts as {@link ImageFidelity#PSNR_IDENTICAL})
 */
public record PairedFidelity(
    String baselineId,
    int samples,
    double psnrMean,
    double psnrLow,
    double psnrHigh,
    double ssimMean,
    double ssimLow,
    double ssimHigh,
    int identical) {

  private static final double Z95 = 1.959963984540054;

  public PairedFidelity {
    Objects.requireNonNull(baselineId, "baselineId");
    if (samples < 1) {
      throw new IllegalArgumentException("paired fidelity needs at least one pair, got " + samples);
    }
  }

  /**
   * @param baselineId the reference cell's id
   * @param images this cell's 8-bit images, (N, C, H, W) row-major
   * @param reference the reference's 8-bit images from the same noise, same layout (at least N images: sample i of
   *     both comes from the same noise)
   * @param channels C
   * @param height H
   * @param width W
   * @return the statistics over the N pairs
   * @throws IllegalArgumentException when the arrays do not hold whole images of that shape, or the reference has
   *     fewer images
   */
  public static PairedFidelity measure(
      String baselineId, byte[] images, byte[] reference, int channels, int height, int width) {
    ImageFidelity f = new ImageFidelity(channels, height, width);
    int size = f.imageSize();
    if (images.length == 0 || images.length % size != 0 || reference.length % size != 0) {
      throw new IllegalArgumentException("paired fidelity: " + images.length + " and " + reference.length
          + " pixels are not whole " + channels + "x" + height + "x" + width + " images");
    }
    int n = images.length / size;
    if (reference.length / size < n) {
      throw new IllegalArgumentException("paired fidelity: baseline '" + baselineId + "' has " + reference.length / size
          + " samples, fewer than the cell's " + n + "; rerun the baseline with at least as many samples");
    }
    double[] psnr = new double[n];
    double[] ssim = new double[n];
    int identical = 0;
    for (int i = 0; i < n; i++) {
      int o = i * size;
      if (f.mse(images, o, reference, o) == 0) {
        identical++;
      }
      psnr[i] = f.psnr(images, o, reference, o);
      ssim[i] = f.ssim(images, o, reference, o);
    }
    double[] p = meanAndHalfWidth(psnr);
    double[] s = meanAndHalfWidth(ssim);
    return new PairedFidelity(
        baselineId, n, p[0], p[0] - p[1], p[0] + p[1], s[0], s[0] - s[1], s[0] + s[1], identical);
  }

  /** @return {mean, 1.96·s/√n} (half-width 0 for a single value) */
  static double[] meanAndHalfWidth(double[] v) {
    double mean = 0;
    for (double x : v) {
      mean += x;
    }
    mean /= v.length;
    if (v.length < 2) {
      return new double[] {mean, 0};
    }
    double ss = 0;
    for (double x : v) {
      ss += (x - mean) * (x - mean);
    }
    double sd = Math.sqrt(ss / (v.length - 1));
    return new double[] {mean, Z95 * sd / Math.sqrt(v.length)};
  }
}
