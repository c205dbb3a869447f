package io.diffexit.harness.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import io.diffexit.api.Backbone;
import io.diffexit.api.BackboneSpec;
import io.diffexit.api.ExitPointSpec;
import io.diffexit.api.HiddenLayout;
import io.diffexit.api.Params;
import io.diffexit.api.Pass;
import java.util.ArrayList;
import java.util.List;

/**
 * A tiny real backbone for harness tests: every pixel is a token (patch 1), embedded by a linear map of (pixel, time);
 * each segment is a tanh(linear) residual layer; one shared linear head maps tokens back to pixels. Real DJL ops, no
 * engine mocks; small enough that a test runs in milliseconds.
 */
public final class TinyTokenBackbone implements Backbone {

  private final BackboneSpec spec;
  private final SequentialBlock root = new SequentialBlock();
  private final Linear embed;
  private final List<Linear> layers = new ArrayList<>();
  private final Linear head;
  private final int dim;

  /**
   * @param manager owns the parameters
   * @param exitPoints number of layers (= exit points)
   * @param dim token width
   * @param side image side (1 channel)
   * @param seed initialisation seed
   */
  public TinyTokenBackbone(NDManager manager, int exitPoints, int dim, int side, long seed) {
    this.dim = dim;
    embed = Linear.builder().setUnits(dim).build();
    root.add(embed);
    for (int i = 0; i < exitPoints; i++) {
      Linear l = Linear.builder().setUnits(dim).build();
      layers.add(l);
      root.add(l);
    }
    head = Linear.builder().setUnits(1).build();
    root.add(head);
    ai.djl.engine.Engine.getInstance().setRandomSeed((int) seed);
    root.setInitializer(new NormalInitializer(0.5f), ai.djl.nn.Parameter.Type.WEIGHT);
    embed.initialize(manager, DataType.FLOAT32, new Shape(1, side * side, 2));
    for (Linear l : layers) {
      l.initialize(manager, DataType.FLOAT32, new Shape(1, side * side, dim));
    }
    head.initialize(manager, DataType.FLOAT32, new Shape(1, side * side, dim));
    int n = side * side;
    List<ExitPointSpec> points = new ArrayList<>();
    for (int i = 0; i < exitPoints; i++) {
      points.add(
          new ExitPointSpec(
              i, "layer" + (i + 1), i + 1, new Shape(n, dim), HiddenLayout.tokens(0, 1, side, side, dim),
              (long) n * dim * dim, (long) n * dim));
    }
    long params = 0;
    for (var p : root.getParameters().values()) {
      params += p.getArray().size();
    }
    spec =
        new BackboneSpec(
            "tiny-token", Params.of(java.util.Map.of("exit-points", "" + exitPoints, "dim", "" + dim)), 1, side,
            side, points, (long) n * 2 * dim, params);
  }

  @Override
  public BackboneSpec spec() {
    return spec;
  }

  @Override
  public Block block() {
    return root;
  }

  @Override
  public Pass begin(ParameterStore store, NDArray x, NDArray t, boolean training) {
    long b = x.getShape().get(0);
    long n = x.getShape().size() / b;
    NDArray pixels = x.reshape(b, n, 1);
    NDArray time = t.reshape(b, 1, 1).div(1000f).broadcast(new Shape(b, n, 1));
    NDArray h0 = embed.forward(store, new NDList(pixels.concat(time, 2)), training).head();
    return new Pass() {
      private NDArray h = h0;
      private NDArray headOut;
      private int position = -1;
      private final long side = x.getShape().get(2);

      @Override
      public int exitPoints() {
        return layers.size();
      }

      @Override
      public int position() {
        return position;
      }

      @Override
      public long active() {
        return h.getShape().get(0);
      }

      @Override
      public NDArray advance() {
        if (position + 1 >= layers.size()) {
          throw new IllegalStateException("pass already at the last exit point");
        }
        position++;
        NDArray y = layers.get(position).forward(store, new NDList(h), training).head();
        h = h.add(Activation.tanh(y).mul(0.5f));
        headOut = null;
        return h;
      }

      @Override
      public NDArray head() {
        if (headOut == null) {
          headOut = head.forward(store, new NDList(h), training).head().reshape(active(), 1, side, side);
        }
        return headOut;
      }

      @Override
      public void retain(NDArray keep) {
        boolean[] flags = keep.toBooleanArray();
        long[] rows = java.util.stream.IntStream.range(0, flags.length).filter(k -> flags[k]).asLongStream().toArray();
        h = h.get(new ai.djl.ndarray.index.NDIndex("{}", h.getManager().create(rows)));
        headOut = null;
      }
    };
  }

  @Override
  public void close() {}

  /** @return the token width */
  public int dim() {
    return dim;
  }
}
