package io.diffexit.testkit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.diffexit.api.BackboneSpec;
import io.diffexit.api.CostMeter;
import io.diffexit.api.DecisionMode;
import io.diffexit.api.ExitPoint;
import io.diffexit.api.ExitPointSpec;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * An {@link ExitPoint} that behaves like the runner's: the head is evaluated at most once and, when a meter is given,
 * charged {@code headMacs × active samples} to {@link CostMeter.Category#HEAD} the first time a strategy asks for it;
 * sample ids are int64, model times float32. {@link ReferenceRunner} makes one at every exit point of a live pass; a
 * unit test makes one over crafted arrays with {@link #at} and the {@code with…} copies.
 *
 * <p>Every {@code with…} method returns a copy; the original is unchanged.
 */
public final class FixtureExitPoint implements ExitPoint {

  private final BackboneSpec backbone;
  private final int index;
  private final NDArray hidden;
  private NDArray previousHidden;
  private NDArray passInput;
  private Supplier<NDArray> headSource;
  private NDArray modelTime;
  private NDArray sampleIds;
  private long batchSize;
  private int step;
  private int steps = 10;
  private DecisionMode mode = DecisionMode.PER_SAMPLE;
  private CostMeter meter;
  private NDArray head;
  private int headCalls;

  private FixtureExitPoint(BackboneSpec backbone, int index, NDArray hidden) {
    this.backbone = Objects.requireNonNull(backbone, "backbone");
    if (index < 0 || index >= backbone.exitPoints().size()) {
      throw new IllegalArgumentException("exit point " + index + " outside [0, " + backbone.exitPoints().size()
          + ") of backbone '" + backbone.name() + "'");
    }
    this.index = index;
    this.hidden = Objects.requireNonNull(hidden, "hidden");
  }

  /**
   * @param backbone the backbone description
   * @param index the exit point
   * @param hidden the hidden state of the active samples there, (B, ...)
   * @return a per-sample point over a whole batch: ids 0..B-1, model time 500 for every sample, step 0 of 10, no
   *     previous hidden state, no pass input, no head (asking for it fails)
   */
  public static FixtureExitPoint at(BackboneSpec backbone, int index, NDArray hidden) {
    FixtureExitPoint p = new FixtureExitPoint(backbone, index, hidden);
    NDManager m = hidden.getManager();
    long b = hidden.getShape().get(0);
    p.modelTime = m.full(new Shape(b), 500f);
    p.sampleIds = m.arange(0, b, 1, DataType.INT64);
    p.batchSize = b;
    return p;
  }

  /** The runner's point over a live pass (package-private: {@link ReferenceRunner} builds these). */
  static FixtureExitPoint live(BackboneSpec backbone, int index, NDArray hidden, NDArray previous, NDArray passInput,
      Supplier<NDArray> head, NDArray modelTime, int[] ids, long batchSize, int step, int steps, DecisionMode mode,
      CostMeter meter) {
    FixtureExitPoint p = new FixtureExitPoint(backbone, index, hidden);
    p.previousHidden = previous;
    p.passInput = passInput;
    p.headSource = head;
    p.modelTime = modelTime;
    long[] v = new long[ids.length];
    for (int k = 0; k < ids.length; k++) {
      v[k] = ids[k];
    }
    p.sampleIds = hidden.getManager().create(v);
    p.batchSize = batchSize;
    p.step = step;
    p.steps = steps;
    p.mode = mode;
    p.meter = meter;
    return p;
  }

  private FixtureExitPoint copy() {
    FixtureExitPoint p = new FixtureExitPoint(backbone, index, hidden);
    p.previousHidden = previousHidden;
    p.passInput = passInput;
    p.headSource = headSource;
    p.modelTime = modelTime;
    p.sampleIds = sampleIds;
    p.batchSize = batchSize;
    p.step = step;
    p.steps = steps;
    p.mode = mode;
    p.meter = meter;
    return p;
  }

  /** @return a copy with this previous hidden state */
  public FixtureExitPoint withPrevious(NDArray previous) {
    FixtureExitPoint p = copy();
    p.previousHidden = previous;
    return p;
  }

  /** @return a copy whose {@link #passInput()} is this array */
  public FixtureExitPoint withPassInput(NDArray input) {
    FixtureExitPoint p = copy();
    p.passInput = input;
    return p;
  }

  /** @return a copy with this head prediction (B_active, C, H, W) */
  public FixtureExitPoint withHead(NDArray h) {
    Objects.requireNonNull(h, "head");
    FixtureExitPoint p = copy();
    p.headSource = () -> h;
    return p;
  }

  /** @return a copy with these model times (B_active) */
  public FixtureExitPoint withModelTime(NDArray t) {
    FixtureExitPoint p = copy();
    p.modelTime = t;
    return p;
  }

  /**
   * @param ids the active samples' positions in the original batch, int64 (B_active)
   * @param total the size of the original batch
   * @return a copy for these active samples
   */
  public FixtureExitPoint withSamples(NDArray ids, long total) {
    FixtureExitPoint p = copy();
    p.sampleIds = ids;
    p.batchSize = total;
    return p;
  }

  /** @return a copy at this sampler step */
  public FixtureExitPoint atStep(int s) {
    FixtureExitPoint p = copy();
    p.step = s;
    return p;
  }

  /** @return a copy in a run of this many sampler steps */
  public FixtureExitPoint ofSteps(int n) {
    FixtureExitPoint p = copy();
    p.steps = n;
    return p;
  }

  /** @return a copy in this decision mode */
  public FixtureExitPoint inMode(DecisionMode m) {
    FixtureExitPoint p = copy();
    p.mode = m;
    return p;
  }

  /** @return a copy that charges its head, the first time it is asked for, to this meter (as the runner does) */
  public FixtureExitPoint chargingTo(CostMeter costMeter) {
    FixtureExitPoint p = copy();
    p.meter = costMeter;
    return p;
  }

  /** @return how often {@link #head()} was called */
  public int headCalls() {
    return headCalls;
  }

  /** @return whether the head was evaluated (a strategy asked for it at least once) */
  public boolean headEvaluated() {
    return head != null;
  }

  @Override
  public ExitPointSpec spec() {
    return backbone.exitPoints().get(index);
  }

  @Override
  public BackboneSpec backbone() {
    return backbone;
  }

  @Override
  public NDArray hidden() {
    return hidden;
  }

  @Override
  public Optional<NDArray> previousHidden() {
    return Optional.ofNullable(previousHidden);
  }

  @Override
  public Optional<NDArray> passInput() {
    return Optional.ofNullable(passInput);
  }

  @Override
  public NDArray head() {
    headCalls++;
    if (head == null) {
      if (headSource == null) {
        throw new IllegalStateException("this fixture exit point has no head; give one with withHead");
      }
      head = headSource.get();
      if (meter != null) {
        meter.charge(CostMeter.Category.HEAD, step, spec().headMacs() * hidden.getShape().get(0));
      }
    }
    return head;
  }

  @Override
  public NDArray modelTime() {
    return modelTime;
  }

  @Override
  public NDArray sampleIds() {
    return sampleIds;
  }

  @Override
  public long batchSize() {
    return batchSize;
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
