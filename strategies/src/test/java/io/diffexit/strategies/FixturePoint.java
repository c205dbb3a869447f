package io.diffexit.strategies;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.diffexit.api.BackboneSpec;
import io.diffexit.api.DecisionMode;
import io.diffexit.api.ExitPoint;
import io.diffexit.api.ExitPointSpec;
import java.util.Optional;

/** An {@link ExitPoint} over crafted arrays, counting head evaluations like the runner would charge them. */
public final class FixturePoint implements ExitPoint {

  private final BackboneSpec backbone;
  private final int index;
  private final NDArray hidden;
  private final NDArray previousHidden;
  private final NDArray head;
  private final NDArray modelTime;
  private final NDArray sampleIds;
  private final long batchSize;
  private final int step;
  private final DecisionMode mode;
  private int headCalls;

  private FixturePoint(BackboneSpec backbone, int index, NDArray hidden, NDArray previousHidden, NDArray head,
      NDArray modelTime, NDArray sampleIds, long batchSize, int step, DecisionMode mode) {
    this.backbone = backbone;
    this.index = index;
    this.hidden = hidden;
    this.previousHidden = previousHidden;
    this.head = head;
    this.modelTime = modelTime;
    this.sampleIds = sampleIds;
    this.batchSize = batchSize;
    this.step = step;
    this.mode = mode;
  }

  /** @return a per-sample point over a full batch (ids 0..B-1, model time 500, step 0, no head, no previous) */
  public static FixturePoint at(BackboneSpec backbone, int index, NDArray hidden) {
    NDManager m = hidden.getManager();
    long b = hidden.getShape().get(0);
    return new FixturePoint(backbone, index, hidden, null, null, m.full(new ai.djl.ndarray.types.Shape(b), 500f),
        m.arange(0, b, 1, ai.djl.ndarray.types.DataType.INT64), b, 0, DecisionMode.PER_SAMPLE);
  }

  /** @return a copy with this previous hidden state */
  public FixturePoint withPrevious(NDArray previous) {
    return new FixturePoint(backbone, index, hidden, previous, head, modelTime, sampleIds, batchSize, step, mode);
  }

  /** @return a copy with this head prediction */
  public FixturePoint withHead(NDArray h) {
    return new FixturePoint(backbone, index, hidden, previousHidden, h, modelTime, sampleIds, batchSize, step, mode);
  }

  /** @return a copy with these model times */
  public FixturePoint withModelTime(NDArray t) {
    return new FixturePoint(backbone, index, hidden, previousHidden, head, t, sampleIds, batchSize, step, mode);
  }

  /** @return a copy for these active samples of a batch of {@code total} */
  public FixturePoint withSamples(NDArray ids, long total) {
    return new FixturePoint(backbone, index, hidden, previousHidden, head, modelTime, ids, total, step, mode);
  }

  /** @return a copy at this sampler step */
  public FixturePoint atStep(int s) {
    return new FixturePoint(backbone, index, hidden, previousHidden, head, modelTime, sampleIds, batchSize, s, mode);
  }

  /** @return a copy in this decision mode */
  public FixturePoint inMode(DecisionMode m) {
    return new FixturePoint(backbone, index, hidden, previousHidden, head, modelTime, sampleIds, batchSize, step, m);
  }

  /** @return how often {@link #head()} was called */
  public int headCalls() {
    return headCalls;
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
  public NDArray head() {
    if (head == null) {
      throw new IllegalStateException("this fixture has no head");
    }
    headCalls++;
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
    return 10;
  }

  @Override
  public DecisionMode mode() {
    return mode;
  }
}
