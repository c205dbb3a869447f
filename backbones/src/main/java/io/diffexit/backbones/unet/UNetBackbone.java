package io.diffexit.backbones.unet;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import io.diffexit.api.Backbone;
import io.diffexit.api.BackboneSpec;
import io.diffexit.api.ExitPointSpec;
import io.diffexit.api.NoiseSchedule;
import io.diffexit.api.Pass;
import io.diffexit.api.SinusoidalTimeEmbedding;
import io.diffexit.backbones.nn.DeviceConstants;
import io.diffexit.backbones.nn.NativeConv2d;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A DDPM-style U-Net ε-predictor (Ho et al. 2020) with an exit head after the middle block and after every decoder
 * level.
 *
 * <p><b>Architecture</b> (see {@link UNetConfig}): a sinusoidal time embedding → MLP, conv_in, then per encoder level
 * {@code res-blocks} residual blocks (GroupNorm, SiLU, 3×3 convolutions, the block's time projection added after the
 * first convolution), optional self-attention after each block at the lowest resolution, and a stride-2 3×3
 * convolution between levels; a middle block (residual, attention, residual); per decoder level {@code res-blocks + 1}
 * residual blocks on the concatenation of the feature map and the next pending encoder skip (LIFO), and between
 * levels a nearest-neighbour upsampling to the skip's resolution (×2 when sizes are even, 7→14→28 by default; 4→7 for
 * an odd size) followed by a 3×3 convolution.
 *
 * <p><b>Exit points</b>, in execution order: {@code mid} (after the middle block) and {@code up<h>} after each decoder
 * level, e.g. {@code mid, up7, up14, up28} for 28×28 with three levels; the last is the normal output. Each has its own
 * head: GroupNorm → SiLU → 3×3 convolution to the image channels at the exit point's resolution, upsampled by nearest
 * neighbour to H×W. The hidden state is the decoder feature map (B, C, h, w) with layout
 * {@code HiddenLayout.featureMap(ceil(H/h), h, w, C)}.
 *
 * <p><b>Layer convention</b>: {@code ExitPointSpec.layer} counts executed stages, 1-based, where a stage is one
 * resolution level of the encoder, the middle block, or one level of the decoder. With L levels the exit points are at
 * layers L+1 ({@code mid}) through 2L+1 (the output); by default 4, 5, 6, 7 of 7.
 *
 * <p><b>Cost model</b> (MACs per image; FLOPs = 2 × MACs): convolutions count out_numel × C_in/groups × k² (all
 * convolutions here have groups = 1), linear layers in × out, attention its qkv and output projections plus QKᵀ and AV
 * (N²·C each, N = h·w), exit heads their convolution. Not counted: GroupNorm, SiLU, softmax, the residual additions,
 * the time-projection broadcast, concatenations and nearest-neighbour resampling (elementwise or copies). Segmenting:
 * {@code embedMacs} is what {@link #begin} runs: the time MLP, the time projections of every residual block (computed
 * once per pass, as one fused linear layer) and conv_in. Segment 0 ({@code mid}) is the whole encoder and the middle
 * block; each later segment is one decoder level including the upsampling convolution that starts it.
 *
 * <p><b>Batch compaction</b>: {@link Pass#retain} keeps only the chosen samples of the current feature map, the head
 * if already evaluated, every pending encoder skip and the time projections.
 *
 * <p><b>Training</b> uses the same native convolutions as inference ({@link NativeConv2d}); their input gradients are
 * exact only with oneDNN limited to SSE4.1 on this project's AVX-512 machines ({@code ONEDNN_MAX_CPU_ISA=SSE41}, set
 * by {@code bin/diffexit} and the tests), which the trainer checks before its first step.
 */
public final class UNetBackbone implements Backbone {

  private final NDManager manager;
  private final DeviceConstants constants;
  private final UNetNetwork network;
  private final NoiseSchedule schedule;
  private final BackboneSpec spec;

  /**
   * Builds and initialises the network.
   *
   * @param config the architecture
   * @param parent the long-lived manager under which the parameters are kept (in a sub-manager closed by
   *     {@link #close()})
   * @param seed the initialisation seed: equal seeds give bit-identical parameters
   */
  public UNetBackbone(UNetConfig config, NDManager parent, long seed) {
    this(config, parent, seed, null);
  }

  /**
   * @param schedule the forward process the model is trained for; required when some head predicts x̂₀
   *     ({@link UNetConfig.ExitTarget#X0}), to turn x̂₀ into ε, else unused (may be null)
   * @throws IllegalArgumentException when x̂₀ heads are configured and no schedule is given
   */
  public UNetBackbone(UNetConfig config, NDManager parent, long seed, NoiseSchedule schedule) {
    if (config.exitTarget() == UNetConfig.ExitTarget.X0 && schedule == null) {
      throw new IllegalArgumentException(UNetConfig.OWNER + ": exit-target=x0 needs the noise schedule the model is"
          + " trained for, and the host gave none (BackboneContext.schedule); use exit-target=eps");
    }
    this.schedule = schedule;
    this.manager = parent.newSubManager();
    this.constants = new DeviceConstants(manager);
    this.network = new UNetNetwork(config, seed, constants, new SinusoidalTimeEmbedding(manager, config.base()));
    network.initialize(manager);
    this.spec =
        new BackboneSpec(
            UNetFactory.NAME,
            config.toParams(),
            config.channels(),
            config.height(),
            config.width(),
            network.exitPoints(),
            network.embedMacs(),
            network.parameterCount());
  }

  /** @return the architecture */
  public UNetConfig config() {
    return network.config;
  }

  @Override
  public BackboneSpec spec() {
    return spec;
  }

  @Override
  public Block block() {
    return network;
  }

  /** @return the parameters of the heads of every exit point but the last, {@code head.NAME.*} */
  @Override
  public Set<String> earlyExitHeadParameters() {
    Set<String> names = new TreeSet<>();
    List<ExitPointSpec> points = spec.exitPoints();
    List<String> keys = network.getParameters().keys();
    for (int i = 0; i < points.size() - 1; i++) {
      String prefix = "head." + points.get(i).name() + ".";
      keys.stream().filter(k -> k.startsWith(prefix)).forEach(names::add);
    }
    return Collections.unmodifiableSet(names);
  }

  @Override
  public Pass begin(ParameterStore store, NDArray x, NDArray t, boolean training) {
    return new UNetPass(network, store, x, t, training, schedule);
  }

  @Override
  public void close() {
    constants.close();
    manager.close();
  }
}
