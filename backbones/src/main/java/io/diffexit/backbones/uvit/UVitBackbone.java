package io.diffexit.backbones.uvit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.Pair;
import io.diffexit.api.Backbone;
import io.diffexit.api.BackboneContext;
import io.diffexit.api.BackboneSpec;
import io.diffexit.api.ExitPointSpec;
import io.diffexit.api.HiddenLayout;
import io.diffexit.api.NoiseSchedule;
import io.diffexit.api.Pass;
import io.diffexit.backbones.nn.Im2colConv3x3;
import io.diffexit.backbones.nn.NativeConv3x3;
import io.diffexit.backbones.nn.SeededInitializer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

/**
 * U-ViT (Bao et al., CVPR 2023; baofff/U-ViT) with an exit point after every transformer block and one head shared
 * by all of them (as the official AdaDiff/DeeDiff code does), or with {@code exit-heads=per-exit} a head of the same
 * architecture for each exit point but the last, which early exits alone use ({@link #earlyExitHeadParameters}).
 *
 * <p>Initialisation as U-ViT {@code _init_weights}: every Linear weight trunc_normal(std .02) with zero bias, LayerNorm
 * 1/0, the position embedding trunc_normal(.02); the two convolutions keep PyTorch's default Uniform(±1/sqrt(fan_in))
 * for weight and bias. All values come from a {@link Random} seeded with the context's seed, so a seed fixes the
 * weights independently of the engine's RNG.
 *
 * <p>Costs ({@link UVitCostModel}) are MACs per image; FLOPs = 2 × MACs. The model time is fed to the sinusoidal
 * embedding unscaled (for the built-in schedules the timestep index in [0, T-1]).
 */
public final class UVitBackbone implements Backbone {

  private final UVitConfig config;
  private final NDManager manager;
  private final UVitNet net;
  private final BackboneSpec spec;
  private final NoiseSchedule schedule;

  /**
   * Builds and initialises the network in a sub-manager of the context's manager.
   *
   * @param config the validated architecture
   * @param context the host's manager and the initialisation seed
   */
  public UVitBackbone(UVitConfig config, BackboneContext context) {
    if (config.vPrediction() && context.schedule() == null) {
      throw new IllegalArgumentException(UVitConfig.OWNER + ": prediction=v needs the noise schedule the model is"
          + " trained for, and the host gave none (BackboneContext.schedule); use prediction=eps");
    }
    this.config = config;
    this.schedule = context.schedule();
    this.manager = context.manager().newSubManager();
    this.net = new UVitNet(config, schedule);
    Random random = new Random(context.seed());
    Initializer truncNormal = SeededInitializer.timmTruncatedNormal(0.02, random);
    net.setInitializer(truncNormal, Parameter.Type.WEIGHT);
    net.setInitializer(truncNormal, "pos_embed");
    setConvInitializer(net.patchEmbed(), (long) config.channels() * config.patch() * config.patch(), random);
    if (net.stemBlock() != null) {
      setConvInitializer(net.stemBlock(), 9L * config.channels(), random);
    }
    // the values are drawn when the network initialises, in its block order, not when an initializer is set
    setHeadInitializers(net.headBlock(), config, random);
    for (UVitHead exitHead : net.exitHeadBlocks()) {
      setHeadInitializers(exitHead, config, random);
    }
    net.initialize(
        manager,
        DataType.FLOAT32,
        new Shape(1, config.channels(), config.height(), config.width()),
        new Shape(1));
    for (Block exitBlock : net.exitSkipBlocks()) {
      if (exitBlock instanceof UVitTransformerBlock block) {
        block.startAsIdentity(); // exit-skip=block: each exit starts as its head alone
      }
    }
    this.spec = buildSpec(config, countParameters(net));
  }

  /** PyTorch's default initialisation for a head's convolutions (U-ViT's final 3×3 conv, or the two refining convs). */
  private static void setHeadInitializers(UVitHead head, UVitConfig config, Random random) {
    Im2colConv3x3 finalLayer = head.finalLayer();
    if (finalLayer != null) {
      setConvInitializer(finalLayer, 9L * config.channels(), random);
    }
    for (NativeConv3x3 conv : head.refineConvs()) {
      setConvInitializer(conv, 9L * conv.inChannels(), random);
    }
  }

  private static void setConvInitializer(Block conv, long fanIn, Random random) {
    Initializer uniform = SeededInitializer.torchDefaultUniform(fanIn, random);
    conv.setInitializer(uniform, Parameter.Type.WEIGHT);
    conv.setInitializer(uniform, Parameter.Type.BIAS);
  }

  private static long countParameters(Block block) {
    long n = 0;
    for (Pair<String, Parameter> p : block.getParameters()) {
      n += p.getValue().getArray().getShape().size();
    }
    return n;
  }

  private static BackboneSpec buildSpec(UVitConfig c, long parameterCount) {
    Shape hiddenShape = new Shape(c.tokens(), c.dim());
    HiddenLayout layout = HiddenLayout.tokens(1, c.patch(), c.gridHeight(), c.gridWidth(), c.dim());
    long headMacs = UVitCostModel.headMacs(c);
    List<ExitPointSpec> exits = new ArrayList<>();
    for (int i = 0; i < c.depth(); i++) {
      exits.add(
          new ExitPointSpec(
              i, UVitNet.exitName(c, i), i + 1, hiddenShape, layout, UVitCostModel.segmentMacs(c, i),
              headMacs + (i < c.depth() - 1 ? UVitCostModel.exitSkipMacs(c) : 0L),
              i == c.depth() - 1 ? 0 : -1)); // a pass resumes only at the output (UVitPass#resume)
    }
    return new BackboneSpec(
        UVitFactory.NAME,
        c.toParams(),
        c.channels(),
        c.height(),
        c.width(),
        exits,
        UVitCostModel.embedMacs(c),
        parameterCount);
  }

  /** @return the architecture */
  public UVitConfig config() {
    return config;
  }

  @Override
  public BackboneSpec spec() {
    return spec;
  }

  @Override
  public Block block() {
    return net;
  }

  /**
   * @return the parameters of the per-exit heads (exits in0 … out(n−2)) and of their skip linears ({@code
   *     exit-skip=outer}) or out-blocks ({@code exit-skip=block}); empty when the exits share the final head
   */
  @Override
  public Set<String> earlyExitHeadParameters() {
    return Collections.unmodifiableSet(new TreeSet<>(inheritedParameters().keySet()));
  }

  /**
   * @return each per-exit head's parameter mapped to the same parameter of the final head, and with {@code
   *     exit-skip=outer} each exit skip linear's parameter mapped to the last block's skip linear, with {@code
   *     exit-skip=block} each exit block's parameter mapped to itself: the block starts as the identity ({@link
   *     UVitTransformerBlock#startAsIdentity}), so that each exit first predicts what its head alone did; empty with
   *     shared heads
   */
  @Override
  public Map<String, String> inheritedParameters() {
    Map<String, String> sources = new LinkedHashMap<>();
    String finalPrefix = childName(net.headBlock()) + "_";
    List<String> finalNames = net.headBlock().getParameters().keys();
    for (UVitHead exitHead : net.exitHeadBlocks()) {
      String prefix = childName(exitHead) + "_";
      List<String> names = exitHead.getParameters().keys(); // same architecture, so the same order as the final head's
      for (int i = 0; i < names.size(); i++) {
        sources.put(prefix + names.get(i), finalPrefix + finalNames.get(i));
      }
    }
    if (config.exitSkip() == UVitConfig.ExitSkip.BLOCK) {
      // a copy of the last block would be a worse start: on an earlier hidden state its ε-MSE is 2-10x the exit's
      // head alone (head-errors on uvit-fmnist-v, t = 50..750)
      for (Block exitBlock : net.exitSkipBlocks()) {
        String prefix = childName(exitBlock) + "_";
        for (String name : exitBlock.getParameters().keys()) {
          sources.put(prefix + name, prefix + name);
        }
      }
    } else if (!net.exitSkipBlocks().isEmpty()) {
      // each exit skip linear starts as the last block's, which fuses the same in0 output with the deepest hidden state
      String lastPrefix = childName(net.lastBlock()) + "_";
      Map<String, String> lastSkip = new LinkedHashMap<>();
      for (String name : net.lastBlock().getParameters().keys()) {
        if (name.matches("\\d*skip_linear_.*")) {
          lastSkip.put(name.replaceFirst("^\\d*skip_linear_", ""), lastPrefix + name);
        }
      }
      for (Block skip : net.exitSkipBlocks()) {
        String prefix = childName(skip) + "_";
        for (String name : skip.getParameters().keys()) {
          String source = lastSkip.get(name);
          if (source == null) {
            throw new IllegalStateException("uvit: the last block has no skip linear parameter '" + name + "'");
          }
          sources.put(prefix + name, source);
        }
      }
    }
    return sources;
  }

  /** @return the name under which {@code child} is a child block of the network (the prefix of its parameters) */
  private String childName(Block child) {
    for (Pair<String, Block> c : net.getChildren()) {
      if (c.getValue() == child) {
        return c.getKey();
      }
    }
    throw new IllegalStateException("uvit: " + child + " is not a child block of the network");
  }

  @Override
  public Pass begin(ParameterStore store, NDArray x, NDArray t, boolean training) {
    Shape xs = x.getShape();
    if (xs.dimension() != 4
        || xs.get(1) != config.channels()
        || xs.get(2) != config.height()
        || xs.get(3) != config.width()) {
      throw new IllegalArgumentException(
          "backbone 'uvit': images must have shape (B, " + config.channels() + ", " + config.height() + ", "
              + config.width() + "), got " + xs);
    }
    if (x.getDataType() != DataType.FLOAT32) {
      throw new IllegalArgumentException("backbone 'uvit': images must be float32, got " + x.getDataType());
    }
    if (!t.getShape().equals(new Shape(xs.get(0)))) {
      throw new IllegalArgumentException(
          "backbone 'uvit': model time must have shape (" + xs.get(0) + ") = one value per image, got "
              + t.getShape());
    }
    return new UVitPass(net, store, x, t, training, schedule);
  }

  /** Closes the manager holding the parameters and constants. */
  @Override
  public void close() {
    manager.close();
  }
}
