package io.diffexit.testkit;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
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
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * A tiny real backbone for tests: every pixel of a one-channel {@code side}×{@code side} image is a token, embedded by
 * a linear map of (pixel, time / 1000); each segment is a residual layer h ← h + ½·tanh(Linear(h)) followed by an exit
 * point; one linear head, shared by every exit point, maps tokens back to pixels. Real DJL ops with seeded weights
 * (N(0, 0.5²)), no engine mocks; at the default size a 6-step run over 6 samples takes milliseconds.
 *
 * <p>It implements the whole {@link Pass} protocol, so every kind of strategy can run on it: {@link Pass#input()} (the
 * embedded tokens, for first-block caches), {@link Pass#head(int, NDArray)} on a supplied state and
 * {@link Pass#resume} at every exit point (a residual chain needs nothing from earlier layers to continue, so
 * {@link ExitPointSpec#resumeMacs()} is 0).
 *
 * <p>Costs (MACs per image, N = side², D = dim): embedding 2·N·D, each segment N·D², each head N·D.
 */
public final class TinyBackbone implements Backbone {

  /** The exit points of {@link #TinyBackbone(NDManager)}. */
  public static final int EXIT_POINTS = 5;

  /** The token width of {@link #TinyBackbone(NDManager)}. */
  public static final int DIM = 8;

  /** The image side of {@link #TinyBackbone(NDManager)}. */
  public static final int SIDE = 4;

  private final NDManager parameters;
  private final BackboneSpec spec;
  private final SequentialBlock root = new SequentialBlock();
  private final Linear embed;
  private final List<Linear> layers = new ArrayList<>();
  private final Linear head;
  private final int dim;

  /** The default: {@value #EXIT_POINTS} exit points, width {@value #DIM}, 4×4 images, seed 7. */
  public TinyBackbone(NDManager manager) {
    this(manager, EXIT_POINTS, DIM, SIDE, 7);
  }

  /**
   * @param manager its parameters live in a sub-manager of it, closed by {@link #close()}
   * @param exitPoints number of layers (= exit points), at least 1
   * @param dim token width
   * @param side image side (1 channel)
   * @param seed initialisation seed (DJL's engine seed is set to it while the weights are drawn)
   */
  public TinyBackbone(NDManager manager, int exitPoints, int dim, int side, long seed) {
    if (exitPoints < 1 || dim < 1 || side < 1) {
      throw new IllegalArgumentException(
          "a tiny backbone needs at least one exit point, width and side; got " + exitPoints + ", " + dim + ", " + side);
    }
    this.dim = dim;
    this.parameters = manager.newSubManager();
    embed = Linear.builder().setUnits(dim).build();
    root.add(embed);
    for (int i = 0; i < exitPoints; i++) {
      Linear l = Linear.builder().setUnits(dim).build();
      layers.add(l);
      root.add(l);
    }
    head = Linear.builder().setUnits(1).build();
    root.add(head);
    Engine.getInstance().setRandomSeed((int) seed);
    root.setInitializer(new NormalInitializer(0.5f), Parameter.Type.WEIGHT);
    int n = side * side;
    embed.initialize(parameters, DataType.FLOAT32, new Shape(1, n, 2));
    for (Linear l : layers) {
      l.initialize(parameters, DataType.FLOAT32, new Shape(1, n, dim));
    }
    head.initialize(parameters, DataType.FLOAT32, new Shape(1, n, dim));
    List<ExitPointSpec> points = new ArrayList<>();
    for (int i = 0; i < exitPoints; i++) {
      points.add(new ExitPointSpec(i, "layer" + (i + 1), i + 1, new Shape(n, dim),
          HiddenLayout.tokens(0, 1, side, side, dim), (long) n * dim * dim, (long) n * dim, 0));
    }
    long count = 0;
    for (var p : root.getParameters().values()) {
      count += p.getArray().size();
    }
    spec = new BackboneSpec("tiny-token",
        Params.of(Map.of("exit-points", "" + exitPoints, "dim", "" + dim, "side", "" + side)), 1, side, side, points,
        (long) n * 2 * dim, count);
  }

  @Override
  public BackboneSpec spec() {
    return spec;
  }

  @Override
  public Block block() {
    return root;
  }

  /** @return the token width */
  public int dim() {
    return dim;
  }

  @Override
  public Pass begin(ParameterStore store, NDArray x, NDArray t, boolean training) {
    return new TokenPass(store, x, t, training);
  }

  /** Closes the parameters. */
  @Override
  public void close() {
    parameters.close();
  }

  private final class TokenPass implements Pass {
    private final ParameterStore store;
    private final boolean training;
    private final long side;
    private NDArray input;
    private NDArray h;
    private NDArray headOut;
    private int position = -1;

    TokenPass(ParameterStore store, NDArray x, NDArray t, boolean training) {
      this.store = store;
      this.training = training;
      long b = x.getShape().get(0);
      long n = x.getShape().size() / b;
      side = x.getShape().get(2);
      NDArray pixels = x.reshape(b, n, 1);
      NDArray time = t.reshape(b, 1, 1).div(1000f).broadcast(new Shape(b, n, 1));
      input = embed.forward(store, new NDList(pixels.concat(time, 2)), training).head();
      h = input;
    }

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
        headOut = head(position, h);
      }
      return headOut;
    }

    @Override
    public NDArray head(int exitPoint, NDArray hidden) {
      long n = hidden.getShape().get(0);
      return head.forward(store, new NDList(hidden), training).head().reshape(n, 1, side, side);
    }

    @Override
    public Optional<NDArray> input() {
      return position <= 0 ? Optional.of(input) : Optional.empty();
    }

    @Override
    public void resume(int exitPoint, NDArray hidden) {
      if (exitPoint <= position || exitPoint >= layers.size()) {
        throw new IllegalStateException(
            "cannot resume at exit point " + exitPoint + " from position " + position + " of " + layers.size());
      }
      position = exitPoint;
      h = hidden;
      headOut = null;
    }

    @Override
    public void retain(NDArray keep) {
      boolean[] flags = keep.toBooleanArray();
      long[] rows = IntStream.range(0, flags.length).filter(k -> flags[k]).asLongStream().toArray();
      NDIndex index = new NDIndex("{}", h.getManager().create(rows));
      h = h.get(index);
      if (position <= 0) {
        input = input.get(index);
      }
      headOut = null;
    }
  }
}
