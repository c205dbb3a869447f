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
import io.diffexit.api.PassInfo;
import io.diffexit.api.ReusePlan;
import io.diffexit.api.RunInfo;
import io.diffexit.api.StepInput;
import io.diffexit.api.StepOutcome;
import io.diffexit.api.StepReuseStrategy;
import io.diffexit.api.Substitution;
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
 * <p>Step reuse: when the strategy is a {@link StepReuseStrategy}, each step first asks it for a {@link ReusePlan}.
 * Samples that skip the call get the planned ε; samples that resume from a cache run a second pass that starts at the
 * planned exit point ({@link Pass#resume}); the others run a pass from the start, in which the strategy may substitute
 * a cached state at any exit point but the last before the exit decision ({@link Substitution}; the head of the named
 * exit point is evaluated on it). Layers a reusing sample does not run are not charged; the embedding of every pass,
 * {@link ExitPointSpec#resumeMacs()}, the heads evaluated and the cache's own work ({@link Category#CACHE}) are. The
 * trace records each sample as ran, exited or reused.
 *
 * <p>Lifecycle: the first call starts the strategy's run ({@link ExitStrategy#startRun}, with a run manager); each step
 * calls {@code startStep} and, around every pass, {@code startPass}/{@code endPass} with a per-pass manager;
 * {@link #close()} ends the run.
 *
 * <p>One instance serves one sampling run over one batch: it records into an {@link ExitTrace} with the batch's offset in
 * the run and charges a {@link CostMeter}. Not thread-safe.
 */
public final class EarlyExitDenoiser implements Denoiser, AutoCloseable {

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
  private final StepReuseStrategy reuse;
  private final boolean decidesExits;
  private final NDManager runParent;
  private NDManager runManager;

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
    this(backbone, store, strategy, mode, meter, trace, sampleOffset, maps, null);
  }

  /**
   * @param runParent the manager under which the strategy's run manager is made (the batch's scope); null: the
   *     manager of the first call's input
   * @see #EarlyExitDenoiser(Backbone, ParameterStore, ExitStrategy, DecisionMode, CostMeter, ExitTrace, int,
   *     PixelMapRecorder)
   */
  public EarlyExitDenoiser(
      Backbone backbone,
      ParameterStore store,
      ExitStrategy strategy,
      DecisionMode mode,
      CostMeter meter,
      ExitTrace trace,
      int sampleOffset,
      PixelMapRecorder maps,
      NDManager runParent) {
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
    this.reuse = strategy instanceof StepReuseStrategy r ? r : null;
    this.decidesExits = reuse == null || reuse.exits();
    this.runParent = runParent;
  }

  /** Ends the strategy's run (if it started) and frees the run's state. */
  @Override
  public void close() {
    if (runManager != null) {
      try {
        strategy.endRun();
      } finally {
        runManager.close();
        runManager = null;
      }
    }
  }

  private void startRun(NDArray x, int batch) {
    if (runManager == null) {
      runManager = (runParent != null ? runParent : x.getManager()).newSubManager();
      strategy.startRun(new RunInfo(batch, steps, mode, runManager));
    }
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
    startRun(x, batch);
    strategy.startStep(step);
    try (NDManager scope = owner.newSubManager()) {
      // Everything computed from x lands in the scope (results belong to the first operand's manager).
      NDArray xs = x.duplicate();
      xs.attach(scope);
      NDArray ts = modelTime.duplicate();
      ts.attach(scope);
      StepWork work = new StepWork(batch, step, stepTime);
      NDArray out;
      if (reuse != null) {
        out = runWithReuse(xs, ts, work);
      } else {
        meter.charge(Category.EMBED, step, spec.embedMacs() * batch);
        Pass pass = backbone.begin(store, xs, ts, false);
        int[] all = new int[batch];
        Arrays.setAll(all, i -> i);
        try (NDManager passManager = scope.newSubManager()) {
          strategy.startPass(new PassInfo(step, all, -1, passManager));
          if (strategy instanceof HindsightExitStrategy hindsight) {
            out = runInHindsight(hindsight, pass, ts, batch, step, stepTime);
          } else {
            runWithExits(pass, ts, all, -1, null, work);
            out = reassemble(work.pieces, work.order);
          }
          strategy.endPass();
        }
      }
      NDArray bad = out.isNaN().logicalOr(out.isInfinite()).any();
      if (bad.getBoolean()) {
        throw new IllegalStateException(
            "non-finite ε prediction at sampler step " + step + " (model time " + stepTime + ") with exit strategy "
                + strategy.describe() + "; check the checkpoint and the sampler's time convention");
      }
      if (reuse != null) {
        long macs = reuse.finish(new StepOutcome(step, out, work.exitAt, work.reused, work.finals));
        meter.charge(Category.CACHE, step, macs);
        meter.noteCacheBytes(reuse.cacheBytes());
      }
      out.attach(owner);
      return out;
    }
  }

  /** What one step accumulates over its groups and passes: output pieces by sample id, and the per-sample outcome. */
  private static final class StepWork {
    final int step;
    final double stepTime;
    final List<NDArray> pieces = new ArrayList<>();
    final int[] order;
    final int[] exitAt;
    final boolean[] reused;
    final List<StepOutcome.Final> finals = new ArrayList<>();
    int placed;

    StepWork(int batch, int step, double stepTime) {
      this.step = step;
      this.stepTime = stepTime;
      this.order = new int[batch];
      this.exitAt = new int[batch];
      this.reused = new boolean[batch];
    }
  }

  private void place(StepWork work, int id, int exitPoint, boolean reused) {
    work.order[work.placed++] = id;
    work.exitAt[id] = exitPoint;
    work.reused[id] = reused;
    if (reused) {
      trace.recordReuse(work.step, work.stepTime, sampleOffset + id, exitPoint);
    } else {
      trace.record(work.step, work.stepTime, sampleOffset + id, exitPoint);
    }
  }

  private NDArray runWithReuse(NDArray xs, NDArray ts, StepWork work) {
    int batch = work.order.length;
    int step = work.step;
    ReusePlan plan = reuse.plan(new StepInput(xs, ts, step, steps, mode));
    boolean[] flags = plan.reuse();
    if (flags.length != batch) {
      throw new IllegalStateException("step-reuse strategy " + strategy.describe() + " planned " + flags.length
          + " samples at step " + step + "; the batch has " + batch);
    }
    meter.charge(Category.CACHE, step, plan.macs());
    int reusing = count(flags);
    if (mode == DecisionMode.PER_BATCH && reusing != batch) {
      Arrays.fill(flags, false); // the batch reuses together, and only when every sample agrees
      reusing = 0;
    }
    int[] reusedIds = select(flags, true);
    int[] runIds = select(flags, false);
    if (reusing > 0 && plan.resumeAt() < 0) {
      work.pieces.add(plan.values()); // the denoiser call is skipped: the cached ε is the prediction
      for (int id : reusedIds) {
        place(work, id, -1, true);
      }
    } else if (reusing > 0) {
      int at = plan.resumeAt();
      if (at >= spec.exitPoints().size() || !spec.exitPoints().get(at).resumable()) {
        throw new IllegalStateException("step-reuse strategy " + strategy.describe() + " resumes at exit point " + at
            + ", where backbone '" + spec.name() + "' cannot resume a pass");
      }
      runGroup(xs, ts, flags, true, reusedIds, at, plan.values(), work);
    }
    if (runIds.length > 0) {
      runGroup(xs, ts, flags, false, runIds, -1, null, work);
    }
    return reassemble(work.pieces, work.order);
  }

  /** Runs one pass over the samples where {@code flags == wanted}: from the start, or resumed at {@code resumeAt}. */
  private void runGroup(
      NDArray xs, NDArray ts, boolean[] flags, boolean wanted, int[] ids, int resumeAt, NDArray cached,
      StepWork work) {
    boolean whole = ids.length == flags.length;
    NDArray x = whole ? xs : rows(xs, flags, wanted);
    NDArray t = whole ? ts : rows(ts, flags, wanted);
    meter.charge(Category.EMBED, work.step, spec.embedMacs() * ids.length);
    Pass pass = backbone.begin(store, x, t, false);
    try (NDManager passManager = xs.getManager().newSubManager()) {
      strategy.startPass(new PassInfo(work.step, ids, resumeAt, passManager));
      if (resumeAt >= 0) {
        pass.resume(resumeAt, cached);
        meter.charge(Category.BACKBONE, work.step, spec.exitPoints().get(resumeAt).resumeMacs() * ids.length);
      }
      runWithExits(pass, t, ids, resumeAt, cached, work);
      strategy.endPass();
    }
  }

  /**
   * Walks a pass from its position to the last exit point, placing every sample's prediction in {@code work}.
   *
   * @param ids the ids of the pass's samples, in row order
   * @param resumedAt the exit point a resumed pass stands at (its hidden state is {@code resumedHidden}), or -1
   */
  private void runWithExits(
      Pass pass, NDArray modelTime, int[] ids, int resumedAt, NDArray resumedHidden, StepWork work) {
    int last = spec.exitPoints().size() - 1;
    int step = work.step;
    boolean resumed = resumedAt >= 0;
    NDArray t = modelTime;
    NDArray previous = null;
    for (int i = resumed ? resumedAt : 0; i <= last; i++) {
      int active = ids.length;
      ExitPointSpec point = spec.exitPoints().get(i);
      NDArray hidden;
      if (resumed && i == resumedAt) {
        hidden = resumedHidden; // charged as the resume
      } else {
        hidden = pass.advance();
        meter.charge(Category.BACKBONE, step, point.segmentMacs() * active);
      }
      if (i == last) {
        work.pieces.add(pass.head());
        meter.charge(Category.HEAD, step, point.headMacs() * active);
        if (reuse != null && !resumed) {
          work.finals.add(new StepOutcome.Final(i, ids, hidden));
        }
        for (int id : ids) {
          place(work, id, i, resumed);
        }
        break;
      }
      ActiveExitPoint ep = new ActiveExitPoint(pass, point, hidden, previous, t, ids, work.order.length, step);
      if (reuse != null && !resumed) {
        boolean[] substituted = substitute(ep, pass, active, work);
        int n = count(substituted);
        if (n == active) {
          return;
        }
        if (n > 0) {
          pass.retain(hidden.getManager().create(not(substituted)));
          t = rows(t, substituted, false);
          previous = previous == null ? null : rows(previous, substituted, false);
          hidden = rows(hidden, substituted, false);
          ids = remaining(ids, substituted, active - n);
          active = ids.length;
          ep = new ActiveExitPoint(pass, point, hidden, previous, t, ids, work.order.length, step);
        }
      }
      if (!decidesExits) {
        previous = hidden;
        continue;
      }
      boolean[] exits = decide(ep, active);
      meter.charge(Category.STRATEGY, step, strategy.macsPerDecision(point) * active);
      if (maps != null) {
        maps.offer(strategy, ep, sampleOffset, ids, step);
      }
      int exiting = count(exits);
      if (exiting > 0) {
        NDArray head = ep.head();
        work.pieces.add(exiting == active ? head : rows(head, exits, true));
        if (reuse != null && !resumed) {
          work.finals.add(
              new StepOutcome.Final(i, select(ids, exits, true), exiting == active ? hidden : rows(hidden, exits, true)));
        }
        for (int k = 0; k < active; k++) {
          if (exits[k]) {
            place(work, ids[k], i, resumed);
          }
        }
        if (exiting == active) {
          break;
        }
        pass.retain(hidden.getManager().create(not(exits)));
        t = rows(t, exits, false);
        previous = rows(hidden, exits, false);
        ids = remaining(ids, exits, active - exiting);
      } else {
        previous = hidden;
      }
    }
  }

  /**
   * Asks the step-reuse strategy for a substitute at this exit point and places the substituted samples' predictions.
   *
   * @return per active sample, whether it was substituted (all false in per-batch mode unless all agree)
   */
  private boolean[] substitute(ActiveExitPoint ep, Pass pass, int active, StepWork work) {
    Optional<Substitution> answer = reuse.substitute(ep);
    if (answer.isEmpty()) {
      return new boolean[active];
    }
    Substitution sub = answer.get();
    meter.charge(Category.CACHE, work.step, sub.macs());
    boolean[] flags = sub.reuse();
    if (flags.length != active) {
      throw new IllegalStateException("step-reuse strategy " + strategy.describe() + " returned " + flags.length
          + " substitution flags at exit point " + ep.spec().name() + "; expected " + active);
    }
    int n = count(flags);
    if (mode == DecisionMode.PER_BATCH && n != active) {
      return new boolean[active];
    }
    if (n == 0) {
      return flags;
    }
    int target = sub.exitPoint();
    if (target < 0 || target >= spec.exitPoints().size()) {
      throw new IllegalStateException("step-reuse strategy " + strategy.describe() + " substitutes for exit point "
          + target + ", outside [0, " + spec.exitPoints().size() + ")");
    }
    NDArray eps = pass.head(target, sub.hidden(), flags);
    meter.charge(Category.HEAD, work.step, spec.exitPoints().get(target).headMacs() * n);
    work.pieces.add(eps);
    int[] ids = ep.ids;
    for (int k = 0; k < active; k++) {
      if (flags[k]) {
        place(work, ids[k], target, true);
      }
    }
    return flags;
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
    perBatch(chosen);
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

  /**
   * Per batch, the batch exits together and only when every sample would, as {@link #decide} rules: at the latest of
   * the exits chosen in hindsight (out-of-range choices are left for the caller's check to name).
   */
  private void perBatch(int[] chosen) {
    if (mode != DecisionMode.PER_BATCH || chosen.length == 0) {
      return;
    }
    int latest = Arrays.stream(chosen).max().getAsInt();
    if (Arrays.stream(chosen).allMatch(e -> e >= 0)) {
      Arrays.fill(chosen, latest);
    }
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

  private static boolean[] not(boolean[] flags) {
    boolean[] out = new boolean[flags.length];
    for (int k = 0; k < flags.length; k++) {
      out[k] = !flags[k];
    }
    return out;
  }

  /** @return the positions k where {@code flags[k] == wanted} */
  private static int[] select(boolean[] flags, boolean wanted) {
    int[] out = new int[flags.length];
    int n = 0;
    for (int k = 0; k < flags.length; k++) {
      if (flags[k] == wanted) {
        out[n++] = k;
      }
    }
    return Arrays.copyOf(out, n);
  }

  /** @return {@code ids[k]} where {@code flags[k] == wanted} */
  private static int[] select(int[] ids, boolean[] flags, boolean wanted) {
    int[] positions = select(flags, wanted);
    int[] out = new int[positions.length];
    for (int j = 0; j < positions.length; j++) {
      out[j] = ids[positions[j]];
    }
    return out;
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
    public Optional<NDArray> passInput() {
      return point.index() == 0 ? pass.input() : Optional.empty();
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
