package io.diffexit.backbones.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;

/**
 * Group normalisation (Wu &amp; He 2018) over (B, C, h, w), which DJL lacks: the channels are split into G groups and
 * each (sample, group) is normalised over its C/G·h·w values with the biased variance, then a per-channel scale γ and
 * shift β of shape (1, C, 1, 1) are applied. Built from one fused {@code layer_norm} over the reshaped (B, G, C/G·h·w)
 * array, whose unit scale and zero shift are cached per device.
 */
public final class GroupNorm {

  /** ε added to the variance, as in DDPM's normalisation layers. */
  public static final float EPS = 1e-6f;

  private final int groups;
  private final int channels;
  private final Parameter gamma;
  private final Parameter beta;

  /**
   * @param sink where {@code name.gamma} (ones) and {@code name.beta} (zeros), shape (1, C, 1, 1), are registered
   * @param name the layer's dotted name
   * @param groups G, dividing C
   * @param channels C
   */
  public GroupNorm(ParameterSink sink, String name, int groups, int channels) {
    this.groups = groups;
    this.channels = channels;
    Shape shape = new Shape(1, channels, 1, 1);
    this.gamma = sink.add(name + ".gamma", Parameter.Type.GAMMA, shape, SeededInitializer.Kind.ONES, 0, 0);
    this.beta = sink.add(name + ".beta", Parameter.Type.BETA, shape, SeededInitializer.Kind.ZEROS, 0, 0);
  }

  /** @return the normalised (B, C, h, w), in x's manager */
  public NDArray apply(ParameterStore ps, NDArray x, boolean training, DeviceConstants constants) {
    return normalize(
        x,
        groups,
        ps.getValue(gamma, x.getDevice(), training),
        ps.getValue(beta, x.getDevice(), training),
        constants);
  }

  /** @return C */
  public int channels() {
    return channels;
  }

  /**
   * @param x (B, C, h, w)
   * @param groups G, dividing C
   * @param gamma (1, C, 1, 1)
   * @param beta (1, C, 1, 1)
   * @param constants where the unit scale and zero shift of the inner layer norm are cached
   * @return the normalised array, in x's manager
   */
  public static NDArray normalize(NDArray x, int groups, NDArray gamma, NDArray beta, DeviceConstants constants) {
    Shape s = x.getShape();
    long b = s.get(0);
    long c = s.get(1);
    long n = c / groups * s.get(2) * s.get(3);
    // explicit sizes instead of -1, so that an empty batch (every sample exited) still reshapes
    NDArray grouped = x.reshape(b, groups, n);
    NDArray normed =
        LayerNorm.layerNorm(
                grouped, new Shape(n), constants.ones(x.getDevice(), n), constants.zeros(x.getDevice(), n), EPS)
            .head();
    return normed.reshape(s).mul(gamma).add(beta);
  }
}
