package io.diffexit.harness.runner;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.ParameterStore;
import io.diffexit.api.Backbone;
import io.diffexit.api.BackboneSpec;
import io.diffexit.api.CostMeter;
import io.diffexit.api.CostMeter.Category;
import io.diffexit.api.DecisionMode;
import io.diffexit.api.Denoiser;
import io.diffexit.api.ExitPoint;
import io.diffexit.api.ExitPointSpec;
import io.diffexit.api.ExitStrategy;
import io.diffexit.api.ExitTrace;
import io.diffexit.api.HindsightExitStrategy;
import io.diffexit.api.Pass;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The early-exit runner: a {@link Denoiser} that walks the backbone exit point by exit point, asks the strategy which
 * samples exit, gives those the exit head's prediction and continues with the rest on a compacted batch.
 *
 * <p>Cost accounting (MACs, from the backbone's analytic cost model and the batch sizes actually executed): the embedding
 * for every sample; each segment for the samples active in it; the strategy's own work for the samples it decides on;
 * every head evaluated, for the samples it was evaluated on (the exit head, and any head a strategy asks for).
 *
 * <p>One instance serves one sampling run over one batch: it records into an {@link ExitTrace} with the batch's offset in
 * the run and charges a {@link CostMeter}. Not thread-safe.
 */
public final class EarlyExitDenoiser implements Denoiser {

  private final Backbone backbone;
  private final BackboneSpec spec;
  private final ParameterStore store;
  private final ExitStrategy strategy;
  private final DecisionMode mode;
  private final CostMeter meter;
  private final ExitTrace trace;
  private final int sampleOffset;
  private final int steps;
  private final PixelMapRecorder maps;

  /**
   * @param backbone the network
   * @param store its parameter store
   * @param strategy decides the exits
   * @param mode per-sample (default) or per-batch decisions
   * @param meter charged with the MACs spent
   * @param trace receives the exit point of every sample at every step
   * @param sampleOffset index of this batch's first sample in the run (for the trace and the maps)
   * @param maps records strategy pixel maps for some samples, or null
   */
  public EarlyExitDenoiser(
      Backbone backbone,
      ParameterStore store,
      ExitStrategy strategy,
      DecisionMode mode,
      CostMeter meter,
      ExitTrace trace,
      int sampleOffset,
      PixelMapRecorder maps) {
    this.backbone = backbone;
    this.spec = backbone.spec();
    this.store = store;
    this.strategy = strategy;
    this.mode = mode;
    this.meter = meter;
    this.trace = trace;
    this.sampleOffset = sampleOffset;
    this.steps = meter.steps();
    this.maps = maps;
  }

  @Override
  public NDArray predictNoise(NDArray x, NDArray modelTime, int step) {
    if (step < 0 || step >= steps) {
      throw new IllegalStateException(
          "sampler step " + step + " outside the " + steps + " evaluations the sampler announced");
    }
    NDManager owner = x.getManager();
    int batch = Math.toIntExact(x.getShape().get(0));
    double stepTime = modelTime.getFloat(0);
    try (NDManager scope = owner.newSubManager()) {
      // Everything computed from x lands in the scope (results belong to the first operand's manager).
      NDArray xs = x.duplicate();
      xs.attach(scope);
      NDArray ts = modelTime.duplicate();
      ts.attach(scope);
      meter.charge(Category.EMBED, step, spec.embedMacs() * batch);
      Pass pass = backbone.begin(store, xs, ts, false);
      NDArray out =
          strategy instanceof HindsightExitStrategy hindsight
              ? runInHindsight(hindsight, pass, ts, batch, step, stepTime)
              : runWithExits(pass, ts, batch, step, stepTime);
      NDArray bad = out.isNaN().logicalOr(out.isInfinite()).any();
      if (bad.getBoolean()) {
        throw new IllegalStateException(
            "non-finite ε prediction at sampler step " + step + " (model time " + stepTime + ") with exit strategy "
                + strategy.describe() + "; check the checkpoint and the sampler's time convention");
      }
      out.attach(owner);
      return out;
    }
  }

  private NDArray runWithExits(Pass pass, NDArray modelTime, int batch, int step, double stepTime) {
    int last = spec.exitPoints().size() - 1;
    int[] ids = new int[batch];
    Arrays.setAll(ids, i -> i);
    NDArray t = modelTime;
    NDArray previous = null;
    List<NDArray> pieces = new ArrayList<>();
    int[] order = new int[batch];
    int placed = 0;
    for (int i = 0; i <= last; i++) {
      int active = ids.length;
      NDArray hidden = pass.advance();
      ExitPointSpec point = spec.exitPoints().get(i);
      meter.charge(Category.BACKBONE, step, point.segmentMacs() * active);
      if (i == last) {
        pieces.add(pass.head());
        meter.charge(Category.HEAD, step, point.headMacs() * active);
        for (int id : ids) {
          order[placed++] = id;
          trace.record(step, stepTime, sampleOffset + id, i);
        }
        break;
      }
      ActiveExitPoint ep = new ActiveExitPoint(pass, point, hidden, previous, t, ids, batch, step);
      boolean[] exits = decide(ep, active);
      meter.charge(Category.STRATEGY, step, strategy.macsPerDecision(point) * active);
      if (maps != null) {
        maps.offer(strategy, ep, sampleOffset, ids, step);
      }
      int exiting = count(exits);
      if (exiting > 0) {
        NDArray head = ep.head();
        pieces.add(exiting == active ? head : rows(head, exits, true));
        for (int k = 0; k < active; k++) {
          if (exits[k]) {
            order[placed++] = ids[k];
            trace.record(step, stepTime, sampleOffset + ids[k], i);
          }
        }
        if (exiting == active) {
          break;
        }
        boolean[] stay = new boolean[active];
        for (int k = 0; k < active; k++) {
          stay[k] = !exits[k];
        }
        pass.retain(hidden.getManager().create(stay));
        t = rows(t, exits, false);
        previous = rows(hidden, exits, false);
        ids = remaining(ids, exits, active - exiting);
      } else {
        previous = hidden;
      }
    }
    return reassemble(pieces, order);
  }

  private NDArray runInHindsight(
      HindsightExitStrategy hindsight, Pass pass, NDArray modelTime, int batch, int step, double stepTime) {
    int count = spec.exitPoints().size();
    int[] ids = new int[batch];
    Arrays.setAll(ids, i -> i);
    List<NDArray> heads = new ArrayList<>(count);
    ActiveExitPoint lastPoint = null;
    NDArray previous = null;
    for (int i = 0; i < count; i++) {
      NDArray hidden = pass.advance();
      lastPoint = new ActiveExitPoint(pass, spec.exitPoints().get(i), hidden, previous, modelTime, ids, batch, step);
      heads.add(pass.head());
      previous = hidden;
    }
    int[] chosen = hindsight.chooseExit(heads, lastPoint).toType(DataType.INT32, false).toIntArray();
    if (chosen.length != batch) {
      throw new IllegalStateException(
          "exit strategy " + strategy.describe() + " chose " + chosen.length + " exits for " + batch + " samples");
    }
    // Charge what the chosen exits would have cost: the segments up to the exit and one head evaluation there.
    NDManager m = modelTime.getManager();
    NDArray stacked = NDArrays.stack(new NDList(heads), 0); // (E, B, C, H, W)
    long[] pick = new long[batch];
    for (int b = 0; b < batch; b++) {
      int e = chosen[b];
      if (e < 0 || e >= count) {
        throw new IllegalStateException(
            "exit strategy " + strategy.describe() + " chose exit point " + e + " outside [0, " + count + ")");
      }
      pick[b] = (long) e * batch + b;
      for (int i = 0; i <= e; i++) {
        meter.charge(Category.BACKBONE, step, spec.exitPoints().get(i).segmentMacs());
      }
      meter.charge(Category.HEAD, step, spec.exitPoints().get(e).headMacs());
      trace.record(step, stepTime, sampleOffset + b, e);
    }
    NDArray flat = stacked.reshape(new ai.djl.ndarray.types.Shape(-1).addAll(stacked.getShape().slice(2)));
    return flat.get(new NDIndex("{}", m.create(pick)));
  }

  private boolean[] decide(ExitPoint point, int active) {
    NDArray mask;
    try {
      mask = strategy.decide(point);
    } catch (RuntimeException e) {
      String m = e.getMessage() == null ? "" : ": " + e.getMessage().lines().findFirst().orElse("");
      throw new IllegalStateException(strategyName() + " failed in decide at exit point " + point.spec().name() + " ("
          + e.getClass().getSimpleName() + m + ")", e);
    }
    String contract = "; decide must return a boolean mask of shape (" + active + "), one per active sample";
    if (mask == null) {
      throw new IllegalStateException(strategyName() + " returned null at exit point " + point.spec().name()
          + contract);
    }
    if (mask.getDataType() != DataType.BOOLEAN) {
      throw new IllegalStateException(strategyName() + " returned a " + mask.getDataType() + " mask at exit point "
          + point.spec().name() + contract + " (e.g. certainty.gt(threshold))");
    }
    if (mask.getShape().dimension() != 1 || mask.getShape().get(0) != active) {
      throw new IllegalStateException(
          strategyName() + " returned a mask of shape " + mask.getShape() + " at exit point "
              + point.spec().name() + "; expected (" + active + ")");
    }
    boolean[] exits = mask.toBooleanArray();
    if (mode == DecisionMode.PER_BATCH) {
      // The batch exits together, and only when every sample agrees.
      boolean all = count(exits) == active;
      Arrays.fill(exits, all);
    }
    return exits;
  }

  /** @return the strategy and where it comes from: {@code exit strategy 'x' (plugin plugins/x.jar)} or built-in */
  private String strategyName() {
    ClassLoader loader = strategy.getClass().getClassLoader();
    String origin = loader instanceof io.diffexit.harness.plugins.PluginClassLoader p
        ? "plugin " + p.getName() : "built-in";
    return "exit strategy '" + strategy.describe() + "' (" + origin + ")";
  }

  private static NDArray reassemble(List<NDArray> pieces, int[] order) {
    NDArray stacked = pieces.size() == 1 ? pieces.get(0) : NDArrays.concat(new NDList(pieces), 0);
    boolean identity = true;
    for (int k = 0; k < order.length; k++) {
      identity &= order[k] == k;
    }
    if (identity) {
      return stacked;
    }
    long[] inverse = new long[order.length];
    for (int k = 0; k < order.length; k++) {
      inverse[order[k]] = k;
    }
    return stacked.get(new NDIndex("{}", stacked.getManager().create(inverse)));
  }

  /** @return the rows of {@code x} where {@code flags} equals {@code wanted}, in order (one native gather) */
  private static NDArray rows(NDArray x, boolean[] flags, boolean wanted) {
    int n = 0;
    for (boolean f : flags) {
      n += f == wanted ? 1 : 0;
    }
    long[] index = new long[n];
    int j = 0;
    for (int k = 0; k < flags.length; k++) {
      if (flags[k] == wanted) {
        index[j++] = k;
      }
    }
    return x.get(new NDIndex("{}", x.getManager().create(index)));
  }

  private static int count(boolean[] flags) {
    int n = 0;
    for (boolean f : flags) {
      n += f ? 1 : 0;
    }
    return n;
  }

  private static int[] remaining(int[] ids, boolean[] exits, int n) {
    int[] out = new int[n];
    int j = 0;
    for (int k = 0; k < ids.length; k++) {
      if (!exits[k]) {
        out[j++] = ids[k];
      }
    }
    return out;
  }

  /** The strategy's view of the pass at one exit point. */
  final class ActiveExitPoint implements ExitPoint {
    private final Pass pass;
    private final ExitPointSpec point;
    private final NDArray hidden;
    private final NDArray previous;
    private final NDArray modelTime;
    private final int[] ids;
    private final int batch;
    private final int step;
    private NDArray head;
    private NDArray sampleIds;

    ActiveExitPoint(
        Pass pass, ExitPointSpec point, NDArray hidden, NDArray previous, NDArray modelTime, int[] ids, int batch,
        int step) {
      this.pass = pass;
      this.point = point;
      this.hidden = hidden;
      this.previous = previous;
      this.modelTime = modelTime;
      this.ids = ids;
      this.batch = batch;
      this.step = step;
    }

    @Override
    public ExitPointSpec spec() {
      return point;
    }

    @Override
    public BackboneSpec backbone() {
      return spec;
    }

    @Override
    public NDArray hidden() {
      return hidden;
    }

    @Override
    public Optional<NDArray> previousHidden() {
      return Optional.ofNullable(previous);
    }

    @Override
    public NDArray head() {
      if (head == null) {
        head = pass.head();
        meter.charge(Category.HEAD, step, point.headMacs() * ids.length);
      }
      return head;
    }

    @Override
    public NDArray modelTime() {
      return modelTime;
    }

    @Override
    public NDArray sampleIds() {
      if (sampleIds == null) {
        long[] v = new long[ids.length];
        for (int k = 0; k < ids.length; k++) {
          v[k] = ids[k];
        }
        sampleIds = hidden.getManager().create(v);
      }
      return sampleIds;
    }

    @Override
    public long batchSize() {
      return batch;
    }

    @Override
    public int step() {
      return step;
    }

    @Override
    public int steps() {
      return steps;
    }

    @Override
    public DecisionMode mode() {
      return mode;
    }
  }
}
