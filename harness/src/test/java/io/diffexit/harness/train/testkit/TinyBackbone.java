package io.diffexit.harness.train.testkit;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import io.diffexit.api.Backbone;
import io.diffexit.api.BackboneContext;
import io.diffexit.api.BackboneFactory;
import io.diffexit.api.BackboneSpec;
import io.diffexit.api.ExitPointSpec;
import io.diffexit.api.HiddenLayout;
import io.diffexit.api.ParamSpec;
import io.diffexit.api.Params;
import io.diffexit.api.Pass;
import java.util.ArrayList;
import java.util.List;

/**
 * A test-only patch MLP with an exit head after each residual block: 4×4 patches (49 tokens of 16 pixels), a linear
 * patch embedding plus a linear time embedding, then {@code depth} blocks h ← h + gelu(Linear(h)), each followed by an
 * exit head Linear(C→16) that is un-patchified to (B, 1, 28, 28). Real DJL ops; linear layers only, because oneDNN's
 * convolution input-gradients are wrong on this project's VMs unless ONEDNN_MAX_CPU_ISA=SSE41 (see the report).
 */
public final class TinyBackbone implements Backbone {

  /** The factory, named {@code tiny}, parameters {@code channels} (default 4) and {@code depth} (default 3). */
  public static final class Factory implements BackboneFactory {
    @Override
    public String name() {
      return "tiny";
    }

    @Override
    public String description() {
      return "test conv net";
    }

    @Override
    public List<ParamSpec> params() {
      return List.of(ParamSpec.optional("channels", 4, "width"), ParamSpec.optional("depth", 3, "exit points"));
    }

    @Override
    public Backbone create(Params params, BackboneContext context) {
      params.requireKnownSpecs(params());
      int channels = params.getInt("channels", 4, 1, 64);
      int depth = params.getInt("depth", 3, 1, 8);
      return new TinyBackbone(channels, depth, context);
    }
  }

  private static final int SIZE = 28;
  private static final int PATCH = 4;
  private static final int GRID = SIZE / PATCH;

  private final Net net;
  private final BackboneSpec spec;

  TinyBackbone(int channels, int depth, BackboneContext context) {
    net = new Net(channels, depth);
    Engine.getInstance().setRandomSeed((int) context.seed());
    net.initialize(context.manager(), DataType.FLOAT32, new Shape(1, GRID * GRID, PATCH * PATCH), new Shape(1));
    long count = 0;
    for (Pair<String, Parameter> p : net.getParameters()) {
      count += p.getValue().getArray().size();
    }
    long tokens = GRID * GRID;
    List<ExitPointSpec> exits = new ArrayList<>();
    for (int i = 0; i < depth; i++) {
      exits.add(new ExitPointSpec(i, "b" + i, i + 1, new Shape(tokens, channels),
          HiddenLayout.tokens(0, PATCH, GRID, GRID, channels), tokens * channels * channels,
          tokens * channels * PATCH * PATCH));
    }
    java.util.Map<String, String> config = new java.util.LinkedHashMap<>();
    config.put("channels", String.valueOf(channels));
    config.put("depth", String.valueOf(depth));
    spec = new BackboneSpec("tiny", Params.of(config), 1, SIZE, SIZE, exits,
        tokens * PATCH * PATCH * channels + channels, count);
  }

  @Override
  public BackboneSpec spec() {
    return spec;
  }

  @Override
  public Net block() {
    return net;
  }

  @Override
  public Pass begin(ParameterStore store, NDArray x, NDArray t, boolean training) {
    return new TinyPass(store, x, t, training);
  }

  @Override
  public void close() {
    for (Pair<String, Parameter> p : net.getParameters()) {
      p.getValue().close();
    }
  }

  private final class TinyPass implements Pass {
    private final ParameterStore store;
    private final boolean training;
    private NDArray h;
    private NDArray head;
    private int position = -1;

    TinyPass(ParameterStore store, NDArray x, NDArray t, boolean training) {
      this.store = store;
      this.training = training;
      long b = x.getShape().get(0);
      NDArray emb = net.time.forward(store, new NDList(t.reshape(b, 1).div(1000f)), training).head();
      NDArray patches = x.reshape(b, 1, GRID, PATCH, GRID, PATCH).transpose(0, 2, 4, 1, 3, 5)
          .reshape(b, GRID * GRID, PATCH * PATCH);
      h = net.stem.forward(store, new NDList(patches), training).head().add(emb.reshape(b, 1, -1));
    }

    @Override
    public int exitPoints() {
      return net.blocks.size();
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
      if (position == exitPoints() - 1) {
        throw new IllegalStateException("already at the last exit point");
      }
      position++;
      h = h.add(Activation.gelu(net.blocks.get(position).forward(store, new NDList(h), training).head()));
      head = null;
      return h;
    }

    @Override
    public NDArray head() {
      if (head == null) {
        long b = h.getShape().get(0);
        head = net.heads.get(position).forward(store, new NDList(h), training).head()
            .reshape(b, GRID, GRID, 1, PATCH, PATCH).transpose(0, 3, 1, 4, 2, 5).reshape(b, 1, SIZE, SIZE);
      }
      return head;
    }

    @Override
    public void retain(NDArray keep) {
      h = h.get(keep);
      head = head == null ? null : head.get(keep);
    }
  }

  /** The DJL block holding every parameter. */
  public static final class Net extends AbstractBlock {
    final Linear stem;
    final Linear time;
    final List<Linear> blocks = new ArrayList<>();
    final List<Linear> heads = new ArrayList<>();
    final int channels;

    Net(int channels, int depth) {
      super((byte) 1);
      this.channels = channels;
      stem = addChildBlock("stem", linear(channels));
      time = addChildBlock("time", Linear.builder().setUnits(channels).build());
      for (int i = 0; i < depth; i++) {
        blocks.add(addChildBlock("block" + i, linear(channels)));
      }
      for (int i = 0; i < depth; i++) {
        heads.add(addChildBlock("head" + i, linear(PATCH * PATCH)));
      }
    }

    private static Linear linear(int units) {
      return Linear.builder().setUnits(units).build();
    }

    @Override
    protected NDList forwardInternal(
        ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
      throw new UnsupportedOperationException("run it through Backbone.begin");
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
      return new Shape[] {inputShapes[0]};
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
      Shape x = inputShapes[0];
      Shape hidden = new Shape(x.get(0), x.get(1), channels);
      stem.initialize(manager, dataType, x);
      time.initialize(manager, dataType, new Shape(x.get(0), 1));
      for (Linear b : blocks) {
        b.initialize(manager, dataType, hidden);
      }
      for (Linear h : heads) {
        h.initialize(manager, dataType, hidden);
      }
    }
  }
}
