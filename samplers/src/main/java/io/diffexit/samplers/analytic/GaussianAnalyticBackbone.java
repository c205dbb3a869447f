package io.diffexit.samplers.analytic;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import io.diffexit.api.Backbone;
import io.diffexit.api.BackboneSpec;
import io.diffexit.api.ExitPointSpec;
import io.diffexit.api.HiddenLayout;
import io.diffexit.api.NoiseSchedule;
import io.diffexit.api.Pass;
import io.diffexit.api.Params;
import java.util.ArrayList;
import java.util.List;

/**
 * A "network" whose last exit point is the exact optimal ε-predictor for Gaussian data x_0 ~ N(μ, diag σ²) (μ, σ per
 * channel), so samplers and exit strategies can be checked against closed forms without training:
 *
 * <pre>
 * E[ε | x_t] = sqrt(1−ᾱ) (x_t − sqrt(ᾱ) μ) / (ᾱ σ² + 1 − ᾱ),   ᾱ = schedule.alphaBarAt((τ + 1)/T) for model time τ
 * </pre>
 *
 * <p>Exit point i of E adds a deterministic, smooth error: head_i = E[ε|x_t] + s_i · tanh(x_t) with
 * s_i = errorScale · (E − 1 − i)/(E − 1), so errors shrink linearly with depth and the last exit point is exact.
 *
 * <p>Hidden state at exit point i: the head's estimate itself, (B, C, H, W), laid out as a feature map with scale 1; so
 * adjacent exit points' hidden states become more similar with depth, as in a trained network.
 *
 * <p>Cost model (nominal, so harness arithmetic can be checked by hand): embedding C·H·W MACs per image (the affine
 * map to E[ε|x_t]), each segment C·H·W MACs, each head evaluation C·H·W MACs. No trainable parameters: {@link #block()}
 * is an empty {@link SequentialBlock}.
 */
public final class GaussianAnalyticBackbone implements Backbone {

  private final BackboneSpec spec;
  private final NoiseSchedule schedule;
  private final double[] mean;
  private final double[] std;
  private final double errorScale;
  private final Block block = new SequentialBlock();

  GaussianAnalyticBackbone(Params config, NoiseSchedule schedule, double[] mean, double[] std, int channels,
      int height, int width, int exitPoints, double errorScale) {
    this.schedule = schedule;
    this.mean = mean.clone();
    this.std = std.clone();
    this.errorScale = errorScale;
    long pixels = (long) channels * height * width;
    List<ExitPointSpec> points = new ArrayList<>();
    for (int i = 0; i < exitPoints; i++) {
      points.add(new ExitPointSpec(i, "exit" + i, i + 1, new Shape(channels, height, width),
          HiddenLayout.featureMap(1, height, width, channels), pixels, pixels));
    }
    this.spec = new BackboneSpec("analytic", config, channels, height, width, points, pixels, 0L);
  }

  /** @return the error scale s_i of exit point i's head (0 at the last one) */
  public double errorScale(int exitPoint) {
    int e = spec.exitPoints().size();
    return e == 1 ? 0.0 : errorScale * (e - 1 - exitPoint) / (e - 1);
  }

  /** @return the noise schedule the model time is read with */
  public NoiseSchedule schedule() {
    return schedule;
  }

  @Override
  public BackboneSpec spec() {
    return spec;
  }

  @Override
  public Block block() {
    return block;
  }

  @Override
  public Pass begin(ParameterStore store, NDArray x, NDArray t, boolean training) {
    Shape s = x.getShape();
    if (s.dimension() != 4 || s.get(1) != spec.channels() || s.get(2) != spec.height() || s.get(3) != spec.width()) {
      throw new IllegalArgumentException("backbone 'analytic': input must have shape (B, " + spec.channels() + ", "
          + spec.height() + ", " + spec.width() + "), got " + s);
    }
    if (t.getShape().dimension() != 1 || t.getShape().get(0) != s.get(0)) {
      throw new IllegalArgumentException(
          "backbone 'analytic': time input must have shape (" + s.get(0) + "), got " + t.getShape());
    }
    float[] times = t.toType(DataType.FLOAT32, false).toFloatArray();
    int b = times.length;
    int c = spec.channels();
    float[] scale = new float[b * c];
    float[] shift = new float[b * c];
    for (int i = 0; i < b; i++) {
      // the inverse of the built-in model time t·T − 1
      double u = Math.min(1.0, Math.max(0.0, (times[i] + 1.0) / schedule.trainTimesteps()));
      double ab = schedule.alphaBarAt(u);
      double sigma = Math.sqrt(1.0 - ab);
      for (int ch = 0; ch < c; ch++) {
        double v = ab * std[ch] * std[ch] + 1.0 - ab;
        scale[i * c + ch] = (float) (sigma / v);
        shift[i * c + ch] = (float) (sigma * Math.sqrt(ab) * mean[ch] / v);
      }
    }
    NDManager m = x.getManager();
    Shape perChannel = new Shape(b, c, 1, 1);
    NDArray exact = x.mul(m.create(scale, perChannel)).sub(m.create(shift, perChannel));
    return new AnalyticPass(x, exact);
  }

  @Override
  public void close() {
    // no parameters to release
  }

  /** The cursor: exit point i's estimate is computed when the pass advances to it. */
  private final class AnalyticPass implements Pass {
    private NDArray x;
    private NDArray exact;
    private NDArray current;
    private int position = -1;

    AnalyticPass(NDArray x, NDArray exact) {
      this.x = x;
      this.exact = exact;
    }

    @Override
    public int exitPoints() {
      return spec.exitPoints().size();
    }

    @Override
    public int position() {
      return position;
    }

    @Override
    public long active() {
      return x.getShape().get(0);
    }

    @Override
    public NDArray advance() {
      if (position >= exitPoints() - 1) {
        throw new IllegalStateException(
            "backbone 'analytic': the pass already stands at the last exit point " + position);
      }
      position++;
      double s = errorScale(position);
      current = s == 0.0 ? exact : exact.add(x.tanh().mul((float) s));
      return current;
    }

    @Override
    public NDArray head() {
      if (position < 0) {
        throw new IllegalStateException("backbone 'analytic': call advance() before head()");
      }
      return current;
    }

    @Override
    public void retain(NDArray keep) {
      if (keep.getDataType() != DataType.BOOLEAN || !keep.getShape().equals(new Shape(active()))) {
        throw new IllegalArgumentException("backbone 'analytic': retain needs a boolean mask of shape (" + active()
            + "), got " + keep.getDataType() + " " + keep.getShape());
      }
      x = x.get(keep);
      exact = exact.get(keep);
      if (current != null) {
        current = current.get(keep);
      }
    }
  }
}
