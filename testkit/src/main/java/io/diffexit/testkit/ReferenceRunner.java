package io.diffexit.testkit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.diffexit.api.Backbone;
import io.diffexit.api.BackboneSpec;
import io.diffexit.api.CostMeter;
import io.diffexit.api.CostMeter.Category;
import io.diffexit.api.DecisionMode;
import io.diffexit.api.Denoiser;
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
 * The harness's early-exit runner ({@code EarlyExitDenoiser}) re-stated for tests: it walks a backbone exit point by
 * exit point, asks the strategy which samples exit, gives those the exit head's prediction, continues with the rest on
 * a compacted batch, and charges a {@link CostMeter} and records an {@link ExitTrace} the same way, with the same
 * lifecycle calls in the same order, step reuse ({@link StepReuseStrategy}: skipped calls, resumed passes, substitutes)
 * and hindsight strategies ({@link HindsightExitStrategy}) included.
 *
 * <p>Why a second copy: the test kit depends on the SPI only, so that every module's tests and a plugin's own project
 * can use it; the harness, which holds the runner, depends on the strategies. The harness's test
 * {@code ReferenceRunnerConformanceTest} runs both on every built-in strategy and requires equal images, traces and
 * costs, so the two cannot drift apart unnoticed.
 *
 * <p>It is stricter than the runner where the SPI says what a strategy must do: in per-batch mode a mask must be
 * uniform (the runner would quietly keep the batch running), a step-reuse strategy's cache must be empty before a run
 * starts, and, with {@link #checkingPixelMaps()}, pixel maps must have the shape (B_active, C, H, W) and values in
 * [0, 1]. A breach fails with an {@link AssertionError} naming the strategy, the step and the exit point.
 *
 * <p>One instance serves one run over one batch; {@link #close()} ends the strategy's run. Not thread-safe.
 */
public final class ReferenceRunner implements Denoiser, AutoCloseable {

  private final Backbone backbone;
  private final BackboneSpec spec;
  private final ParameterStore store;
  private final ExitStrategy strategy;
  private final DecisionMode mode;
  private final CostMeter meter;
  private final ExitTrace trace;
  private final int steps;
  private final StepReuseStrategy reuse;
  private final boolean decidesExits;
  private boolean checkPixelMaps;
  private NDManager runManager;
  private long decisions;

  /**
   * @param backbone the network
   * @param store its parameter store
   * @param strategy decides the exits
   * @param mode per-sample or per-batch decisions
   * @param meter charged with the MACs spent; its step count is the run's
   * @param trace receives the exit point of every sample at every step
   */
  public ReferenceRunner(Backbone backbone, ParameterStore store, ExitStrategy strategy, DecisionMode mode,
      CostMeter meter, ExitTrace trace) {
    this.backbone = backbone;
    this.spec = backbone.spec();
    this.store = store;
    this.strategy = strategy;
    this.mode = mode;
    this.meter = meter;
    this.trace = trace;
    this.steps = meter.steps();
    this.reuse = strategy instanceof StepReuseStrategy r ? r : null;
    this.decidesExits = reuse == null || reuse.exits();
  }

  /** @return this runner, which also asks for the strategy's pixel map after every decision and checks it */
  public ReferenceRunner checkingPixelMaps() {
    this.checkPixelMaps = true;
    return this;
  }

  /** @return the number of {@code decide} calls so far */
  public long decisions() {
    return decisions;
  }

  /** Ends the strategy's run (if it started) and closes the run's manager. */
  @Override
  public void close() {
    if (runManager != null) {
      try {
        strategy.endRun();
      } finally {
        runManager.close();
        runManager = null;
      }
      if (reuse != null && reuse.cacheBytes() != 0) {
        throw fail("still holds " + reuse.cacheBytes() + " cache bytes after endRun; release the cache there");
      }
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
    if (runManager == null) {
      if (reuse != null && reuse.cacheBytes() != 0) {
        throw fail("holds " + reuse.cacheBytes() + " cache bytes before startRun; a new run starts with an empty cache");
      }
      runManager = owner.newSubManager();
      strategy.startRun(new RunInfo(batch, steps, mode, runManager));
    }
    strategy.startStep(step);
    try (NDManager scope = owner.newSubManager()) {
      NDArray xs = x.duplicate();
      xs.attach(scope);
      NDArray ts = modelTime.duplicate();
      ts.attach(scope);
      Step work = new Step(batch, step, stepTime);
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
            out = runInHindsight(hindsight, pass, ts, batch, work);
          } else {
            walk(pass, ts, all, -1, null, work);
            out = reassemble(work.pieces, work.order);
          }
          strategy.endPass();
        }
      }
      if (out.isNaN().logicalOr(out.isInfinite()).any().getBoolean()) {
        throw new IllegalStateException("non-finite ε prediction at sampler step " + step + " with exit strategy "
            + strategy.describe());
      }
      if (reuse != null) {
        long macs = reuse.finish(new StepOutcome(step, out, work.exitAt, work.reused, work.finals));
        if (macs < 0) {
          throw fail("finish returned negative MACs " + macs + " at step " + step);
        }
        meter.charge(Category.CACHE, step, macs);
        long bytes = reuse.cacheBytes();
        if (bytes < 0) {
          throw fail("reports negative cache bytes " + bytes + " at step " + step);
        }
        meter.noteCacheBytes(bytes);
      }
      out.attach(owner);
      return out;
    }
  }

  /** What one step accumulates: output pieces by sample id and the per-sample outcome. */
  private static final class Step {
    final int step;
    final double time;
    final List<NDArray> pieces = new ArrayList<>();
    final int[] order;
    final int[] exitAt;
    final boolean[] reused;
    final List<StepOutcome.Final> finals = new ArrayList<>();
    int placed;

    Step(int batch, int step, double time) {
      this.step = step;
      this.time = time;
      this.order = new int[batch];
      this.exitAt = new int[batch];
      this.reused = new boolean[batch];
    }
  }

  private void place(Step work, int id, int exitPoint, boolean reused) {
    work.order[work.placed++] = id;
    work.exitAt[id] = exitPoint;
    work.reused[id] = reused;
    if (reused) {
      trace.recordReuse(work.step, work.time, id, exitPoint);
    } else {
      trace.record(work.step, work.time, id, exitPoint);
    }
  }

  private NDArray runWithReuse(NDArray xs, NDArray ts, Step work) {
    int batch = work.order.length;
    ReusePlan plan = reuse.plan(new StepInput(xs, ts, work.step, steps, mode));
    boolean[] flags = plan.reuse();
    if (flags.length != batch) {
      throw fail("planned " + flags.length + " samples at step " + work.step + "; the batch has " + batch);
    }
    meter.charge(Category.CACHE, work.step, plan.macs());
    int reusing = count(flags);
    if (mode == DecisionMode.PER_BATCH && reusing != batch) {
      Arrays.fill(flags, false);
      reusing = 0;
    }
    int[] reusedIds = select(flags, true);
    int[] runIds = select(flags, false);
    if (reusing > 0 && plan.resumeAt() < 0) {
      work.pieces.add(plan.values());
      for (int id : reusedIds) {
        place(work, id, -1, true);
      }
    } else if (reusing > 0) {
      int at = plan.resumeAt();
      if (at >= spec.exitPoints().size() || !spec.exitPoints().get(at).resumable()) {
        throw fail("resumes at exit point " + at + ", where backbone '" + spec.name() + "' cannot resume a pass");
      }
      runGroup(xs, ts, flags, true, reusedIds, at, plan.values(), work);
    }
    if (runIds.length > 0) {
      runGroup(xs, ts, flags, false, runIds, -1, null, work);
    }
    return reassemble(work.pieces, work.order);
  }

  private void runGroup(NDArray xs, NDArray ts, boolean[] flags, boolean wanted, int[] ids, int resumeAt,
      NDArray cached, Step work) {
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
      walk(pass, t, ids, resumeAt, cached, work);
      strategy.endPass();
    }
  }

  /** Walks a pass from its position to the last exit point, placing every sample's prediction. */
  private void walk(Pass pass, NDArray modelTime, int[] ids, int resumedAt, NDArray resumedHidden, Step work) {
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
        hidden = resumedHidden;
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
      FixtureExitPoint ep = livePoint(pass, i, hidden, previous, t, ids, work);
      if (reuse != null && !resumed) {
        boolean[] substituted = substitute(ep, pass, ids, work);
        int n = count(substituted);
        if (n == active) {
          return;
        }
        if (n > 0) {
          pass.retain(hidden.getManager().create(not(substituted)));
          t = rows(t, substituted, false);
          previous = previous == null ? null : rows(previous, substituted, false);
          hidden = rows(hidden, substituted, false);
          ids = remaining(ids, substituted);
          active = ids.length;
          ep = livePoint(pass, i, hidden, previous, t, ids, work);
        }
      }
      if (!decidesExits) {
        previous = hidden;
        continue;
      }
      boolean[] exits = decide(ep, active);
      long declared = strategy.macsPerDecision(point);
      if (declared < 0) {
        throw fail("declares negative MACs " + declared + " per decision at exit point " + point.name());
      }
      meter.charge(Category.STRATEGY, step, declared * active);
      if (checkPixelMaps) {
        checkPixelMap(ep, active);
      }
      int exiting = count(exits);
      if (exiting > 0) {
        NDArray head = ep.head();
        work.pieces.add(exiting == active ? head : rows(head, exits, true));
        if (reuse != null && !resumed) {
          work.finals.add(new StepOutcome.Final(
              i, select(ids, exits), exiting == active ? hidden : rows(hidden, exits, true)));
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
        ids = remaining(ids, exits);
      } else {
        previous = hidden;
      }
    }
  }

  private FixtureExitPoint livePoint(Pass pass, int i, NDArray hidden, NDArray previous, NDArray t, int[] ids,
      Step work) {
    NDArray input = i == 0 ? pass.input().orElse(null) : null;
    return FixtureExitPoint.live(spec, i, hidden, previous, input, pass::head, t, ids, work.order.length, work.step,
        steps, mode, meter);
  }

  private boolean[] substitute(FixtureExitPoint ep, Pass pass, int[] ids, Step work) {
    int active = ids.length;
    Optional<Substitution> answer = reuse.substitute(ep);
    if (answer.isEmpty()) {
      return new boolean[active];
    }
    Substitution sub = answer.get();
    meter.charge(Category.CACHE, work.step, sub.macs());
    boolean[] flags = sub.reuse();
    if (flags.length != active) {
      throw fail("returned " + flags.length + " substitution flags at exit point " + ep.spec().name() + "; expected "
          + active);
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
      throw fail("substitutes for exit point " + target + ", outside [0, " + spec.exitPoints().size() + ")");
    }
    work.pieces.add(pass.head(target, sub.hidden(), flags));
    meter.charge(Category.HEAD, work.step, spec.exitPoints().get(target).headMacs() * n);
    for (int k = 0; k < active; k++) {
      if (flags[k]) {
        place(work, ids[k], target, true);
      }
    }
    return flags;
  }

  private NDArray runInHindsight(HindsightExitStrategy hindsight, Pass pass, NDArray modelTime, int batch, Step work) {
    int count = spec.exitPoints().size();
    int[] ids = new int[batch];
    Arrays.setAll(ids, i -> i);
    List<NDArray> heads = new ArrayList<>(count);
    FixtureExitPoint lastPoint = null;
    NDArray previous = null;
    for (int i = 0; i < count; i++) {
      NDArray hidden = pass.advance();
      lastPoint = livePoint(pass, i, hidden, previous, modelTime, ids, work);
      heads.add(pass.head());
      previous = hidden;
    }
    NDArray choice = hindsight.chooseExit(heads, lastPoint);
    if (choice.getDataType() != DataType.INT32 || !choice.getShape().equals(new Shape(batch))) {
      throw fail("chose exits as a " + choice.getDataType() + " array of shape " + choice.getShape()
          + "; chooseExit must return int32 of shape (" + batch + ")");
    }
    int[] chosen = choice.toIntArray();
    if (mode == DecisionMode.PER_BATCH && batch > 0 && java.util.Arrays.stream(chosen).allMatch(e -> e >= 0)) {
      // the batch exits together, when every sample would: at the latest chosen exit
      java.util.Arrays.fill(chosen, java.util.Arrays.stream(chosen).max().getAsInt());
    }
    long[] pick = new long[batch];
    for (int b = 0; b < batch; b++) {
      int e = chosen[b];
      if (e < 0 || e >= count) {
        throw fail("chose exit point " + e + " outside [0, " + count + ")");
      }
      pick[b] = (long) e * batch + b;
      for (int i = 0; i <= e; i++) {
        meter.charge(Category.BACKBONE, work.step, spec.exitPoints().get(i).segmentMacs());
      }
      meter.charge(Category.HEAD, work.step, spec.exitPoints().get(e).headMacs());
      trace.record(work.step, work.time, b, e);
    }
    NDArray stacked = NDArrays.stack(new NDList(heads), 0);
    NDArray flat = stacked.reshape(new Shape(-1).addAll(stacked.getShape().slice(2)));
    return flat.get(new NDIndex("{}", modelTime.getManager().create(pick)));
  }

  private boolean[] decide(FixtureExitPoint point, int active) {
    decisions++;
    NDArray mask = strategy.decide(point);
    String where = " at step " + point.step() + ", exit point " + point.spec().name();
    String contract = "; decide must return a boolean mask of shape (" + active + "), one per active sample";
    if (mask == null) {
      throw fail("returned null" + where + contract);
    }
    if (mask.getDataType() != DataType.BOOLEAN) {
      throw fail("returned a mask of type " + mask.getDataType() + where + contract + " (e.g. certainty.gt(threshold))");
    }
    if (!mask.getShape().equals(new Shape(active))) {
      throw fail("returned a mask of shape " + mask.getShape() + where + contract);
    }
    boolean[] exits = mask.toBooleanArray();
    if (mode == DecisionMode.PER_BATCH) {
      int n = count(exits);
      if (n != 0 && n != active) {
        throw fail("returned a mixed mask " + Arrays.toString(exits) + where
            + " in per-batch mode; there the statistic covers the whole active batch and the mask is uniform");
      }
    }
    return exits;
  }

  private void checkPixelMap(FixtureExitPoint point, int active) {
    Optional<NDArray> map = strategy.pixelMap(point);
    if (map.isEmpty()) {
      return;
    }
    Shape want = new Shape(active, spec.channels(), spec.height(), spec.width());
    NDArray m = map.get();
    if (!m.getShape().equals(want)) {
      throw fail("returned a pixel map of shape " + m.getShape() + " at exit point " + point.spec().name()
          + "; expected " + want);
    }
    float min = m.min().getFloat();
    float max = m.max().getFloat();
    if (!(min >= 0 && max <= 1)) {
      throw fail("returned a pixel map with values in [" + min + ", " + max + "] at exit point "
          + point.spec().name() + "; pixel maps lie in [0, 1]");
    }
  }

  private AssertionError fail(String what) {
    return new AssertionError("exit strategy '" + strategy.describe() + "' " + what);
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

  private static NDArray rows(NDArray x, boolean[] flags, boolean wanted) {
    int[] positions = select(flags, wanted);
    long[] index = new long[positions.length];
    for (int j = 0; j < positions.length; j++) {
      index[j] = positions[j];
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

  /** @return {@code ids[k]} where {@code flags[k]} */
  private static int[] select(int[] ids, boolean[] flags) {
    int[] positions = select(flags, true);
    int[] out = new int[positions.length];
    for (int j = 0; j < positions.length; j++) {
      out[j] = ids[positions[j]];
    }
    return out;
  }

  /** @return {@code ids[k]} where not {@code flags[k]} */
  private static int[] remaining(int[] ids, boolean[] flags) {
    return select(ids, not(flags));
  }
}
