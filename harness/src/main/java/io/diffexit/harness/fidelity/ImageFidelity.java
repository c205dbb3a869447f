package io.diffexit.harness.fidelity;

/**
 * PSNR and SSIM of one 8-bit image against a reference image of the same shape, as the caching literature compares a
 * fast sampler's output with the full model's output from the same noise (TeaCache, MagCache, AdaptiveDiffusion).
 *
 * <p>Conventions, chosen to match scikit-image's {@code peak_signal_noise_ratio} and
 * {@code structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=255)}:
 * <ul>
 *   <li>images are compared as saved: 8-bit pixels (round(255·clamp((x+1)/2, 0, 1))), data range L = 255;</li>
 *   <li>PSNR = 10·log10(L² / MSE) over all pixels and channels of the image; identical images (MSE = 0) count as
 *       {@link #PSNR_IDENTICAL} dB, so that a mean over samples stays finite (the result says how many were);</li>
 *   <li>SSIM (Wang et al. 2004): Gaussian window σ = 1.5 truncated at 3.5σ (11×11), K1 = 0.01, K2 = 0.03, local
 *       population moments; the SSIM map is averaged over the pixels whose window lies inside the image (a 5-pixel
 *       border is cropped, as scikit-image does), then over channels.</li>
 * </ul>
 */
public final class ImageFidelity {

  /** PSNR given to a pair of identical images, in dB. */
  public static final double PSNR_IDENTICAL = 100.0;

  private static final double L = 255.0;
  private static final double C1 = (0.01 * L) * (0.01 * L);
  private static final double C2 = (0.03 * L) * (0.03 * L);
  private static final double SIGMA = 1.5;
  /** Window radius: scipy's gaussian_filter with truncate = 3.5, int(3.5·σ + 0.5). */
  static final int RADIUS = (int) (3.5 * SIGMA + 0.5);
  private static final double[] WEIGHTS = gaussian();

  private final int channels;
  private final int height;
  private final int width;
  // scratch buffers, reused per image: horizontally filtered x, y, x², y², xy
  private final double[][] rows;

  /**
   * @param channels C
   * @param height H, at least 11 (the SSIM window)
   * @param width W, at least 11
   */
  public ImageFidelity(int channels, int height, int width) {
    int window = 2 * RADIUS + 1;
    if (channels < 1 || height < window || width < window) {
      throw new IllegalArgumentException("SSIM needs images of at least " + window + "x" + window + " pixels and one"
          + " channel, got " + channels + "x" + height + "x" + width);
    }
    this.channels = channels;
    this.height = height;
    this.width = width;
    this.rows = new double[5][height * (width - 2 * RADIUS)];
  }

  /** @return values per image, C·H·W */
  public int imageSize() {
    return channels * height * width;
  }

  /**
   * @param a pixels of all images, (N, C, H, W) row-major, unsigned bytes
   * @param aOffset index of the first pixel of the image in {@code a}
   * @param b the reference images, same layout
   * @param bOffset index of the first pixel of the reference image in {@code b}
   * @return the mean squared difference over the image's pixels, on the 0..255 scale
   */
  public double mse(byte[] a, int aOffset, byte[] b, int bOffset) {
    double sum = 0;
    int n = imageSize();
    for (int i = 0; i < n; i++) {
      double d = (a[aOffset + i] & 0xff) - (b[bOffset + i] & 0xff);
      sum += d * d;
    }
    return sum / n;
  }

  /** @return PSNR in dB of the image at {@code aOffset} against the one at {@code bOffset} (see class conventions) */
  public double psnr(byte[] a, int aOffset, byte[] b, int bOffset) {
    double mse = mse(a, aOffset, b, bOffset);
    return mse == 0 ? PSNR_IDENTICAL : Math.min(PSNR_IDENTICAL, 10 * Math.log10(L * L / mse));
  }

  /** @return SSIM of the image at {@code aOffset} against the one at {@code bOffset}, mean over channels */
  public double ssim(byte[] a, int aOffset, byte[] b, int bOffset) {
    double total = 0;
    int plane = height * width;
    for (int c = 0; c < channels; c++) {
      total += ssimPlane(a, aOffset + c * plane, b, bOffset + c * plane);
    }
    return total / channels;
  }

  private double ssimPlane(byte[] a, int ao, byte[] b, int bo) {
    int outW = width - 2 * RADIUS;
    double[] fx = rows[0];
    double[] fy = rows[1];
    double[] fxx = rows[2];
    double[] fyy = rows[3];
    double[] fxy = rows[4];
    // horizontal pass over every row, only at the columns whose window lies inside the image
    for (int r = 0; r < height; r++) {
      for (int c = 0; c < outW; c++) {
        double sx = 0;
        double sy = 0;
        double sxx = 0;
        double syy = 0;
        double sxy = 0;
        int base = r * width + c;
        for (int k = 0; k <= 2 * RADIUS; k++) {
          double w = WEIGHTS[k];
          double x = a[ao + base + k] & 0xff;
          double y = b[bo + base + k] & 0xff;
          sx += w * x;
          sy += w * y;
          sxx += w * x * x;
          syy += w * y * y;
          sxy += w * x * y;
        }
        int o = r * outW + c;
        fx[o] = sx;
        fy[o] = sy;
        fxx[o] = sxx;
        fyy[o] = syy;
        fxy[o] = sxy;
      }
    }
    // vertical pass at the valid rows, then the SSIM map, averaged
    double sum = 0;
    int outH = height - 2 * RADIUS;
    for (int r = 0; r < outH; r++) {
      for (int c = 0; c < outW; c++) {
        double mx = 0;
        double my = 0;
        double exx = 0;
        double eyy = 0;
        double exy = 0;
        for (int k = 0; k <= 2 * RADIUS; k++) {
          double w = WEIGHTS[k];
          int o = (r + k) * outW + c;
          mx += w * fx[o];
          my += w * fy[o];
          exx += w * fxx[o];
          eyy += w * fyy[o];
          exy += w * fxy[o];
        }
        double vx = exx - mx * mx;
        double vy = eyy - my * my;
        double cov = exy - mx * my;
        sum += ((2 * mx * my + C1) * (2 * cov + C2)) / ((mx * mx + my * my + C1) * (vx + vy + C2));
      }
    }
    return sum / (outH * outW);
  }

  /** @return scipy's normalised 1-D Gaussian weights exp(−x²/2σ²), x = −RADIUS..RADIUS */
  private static double[] gaussian() {
    double[] w = new double[2 * RADIUS + 1];
    double sum = 0;
    for (int i = 0; i < w.length; i++) {
      double x = i - RADIUS;
      w[i] = Math.exp(-0.5 * x * x / (SIGMA * SIGMA));
      sum += w[i];
    }
    for (int i = 0; i < w.length; i++) {
      w[i] /= sum;
    }
    return w;
  }
}
