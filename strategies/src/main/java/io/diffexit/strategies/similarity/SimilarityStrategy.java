package io.diffexit.strategies.similarity;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import io.diffexit.api.BackboneSpec;
import io.diffexit.api.DecisionMode;
import io.diffexit.api.ExitPoint;
import io.diffexit.api.ExitPointSpec;
import io.diffexit.api.ExitStrategy;
import io.diffexit.api.HiddenLayout;
import io.diffexit.api.LayerwiseOutputs;
import io.diffexit.api.ObjectiveValue;
import io.diffexit.api.TrainingObjective;
import io.diffexit.strategies.Decisions;
import io.diffexit.strategies.Losses;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * CALM's hidden-state saturation exit (method.md §3.2) for diffusion, as the DeeDiff rebuttal describes the baseline.
 *
 * <p><b>Decision.</b> At exit point i ≥ 1 a sample exits when {@code cos(h_{i−1}, h_i) > threshold}, where each
 * hidden state is flattened per sample over all its tokens (prefix tokens included) and features, i.e. one cosine of
 * two (N·D)-vectors, not a mean of per-token cosines (the reduction the original leaves open; the flattened cosine is
 * the saturation of the whole state and cannot be dominated by a few near-constant tokens). In per-batch mode the
 * whole active batch tensor is flattened into one vector and the mask is uniform. Never exits at the first exit
 * point (it has no predecessor).
 *
 * <p><b>Differing shapes</b> (U-Net stages): when both hidden states are feature maps with the same channel count and
 * the larger spatial size is an integer multiple of the smaller, the larger is average-pooled to the smaller size
 * (adaptive average pooling with integer factors). Otherwise the exit heads' predictions g_{i−1} and g_i (both
 * (B, C, H, W)) are compared instead; that evaluates the head at exit point i−1 as well, and the runner charges it.
 * {@link #comparison(int)} says which rule each exit point uses.
 *
 * <p><b>Objective</b>: L_simple + CALM's decayed layer-wise loss {@code Σ_i w_i·mean((g_i − ε)²)} with
 * {@code w_i = i / Σ_j j} over 1-based exit points i (deeper exits weigh more). Terms: {@code simple},
 * {@code layerwise}.
 */
public final class SimilarityStrategy implements ExitStrategy, TrainingObjective {

  /** How exit point i is compared with exit point i − 1. */
  public enum Comparison {
    /** first exit point: nothing to compare, never exits */
    NONE,
    /** hidden states of equal shape, compared directly */
    HIDDEN,
    /** feature maps of equal channels, the larger average-pooled to the smaller */
    POOLED_HIDDEN,
    /** the two exit heads' ε predictions */
    HEADS
  }

  private final double threshold;
  private final Comparison[] comparisons;
  private final long[] comparedSize;

  // head of the previous exit point, kept only when the next exit point compares heads
  private NDArray previousHead;
  private NDArray previousIds;

  SimilarityStrategy(BackboneSpec backbone, double threshold) {
    this.threshold = threshold;
    List<ExitPointSpec> points = backbone.exitPoints();
    comparisons = new Comparison[points.size()];
    comparedSize = new long[points.size()];
    comparisons[0] = Comparison.NONE;
    for (int i = 1; i < points.size(); i++) {
      ExitPointSpec prev = points.get(i - 1);
      ExitPointSpec cur = points.get(i);
      comparisons[i] = comparisonOf(prev, cur);
      comparedSize[i] = switch (comparisons[i]) {
        case HIDDEN -> cur.hiddenShape().size();
        case POOLED_HIDDEN -> Math.min(prev.hiddenShape().size(), cur.hiddenShape().size());
        case HEADS -> (long) backbone.channels() * backbone.height() * backbone.width();
        case NONE -> 0;
      };
    }
  }

  private static Comparison comparisonOf(ExitPointSpec a, ExitPointSpec b) {
    if (a.hiddenShape().equals(b.hiddenShape())) {
      return Comparison.HIDDEN;
    }
    HiddenLayout la = a.layout();
    HiddenLayout lb = b.layout();
    if (la.kind() == HiddenLayout.Kind.FEATURE_MAP && lb.kind() == HiddenLayout.Kind.FEATURE_MAP
        && la.features() == lb.features()) {
      boolean aLarger = (long) la.gridHeight() * la.gridWidth() >= (long) lb.gridHeight() * lb.gridWidth();
      HiddenLayout big = aLarger ? la : lb;
      HiddenLayout small = aLarger ? lb : la;
      if (big.gridHeight() % small.gridHeight() == 0 && big.gridWidth() % small.gridWidth() == 0) {
        return Comparison.POOLED_HIDDEN;
      }
    }
    return Comparison.HEADS;
  }

  /** @return how exit point {@code index} is compared with its predecessor */
  public Comparison comparison(int index) {
    return comparisons[index];
  }

  @Override
  public String describe() {
    return "similarity(threshold=" + threshold + ", cosine of adjacent exit points' flattened hidden states)";
  }

  @Override
  public NDArray decide(ExitPoint point) {
    int index = point.spec().index();
    boolean nextNeedsHead = index + 1 < comparisons.length && comparisons[index + 1] == Comparison.HEADS;
    NDArray mask;
    switch (comparisons[index]) {
      case NONE:
        mask = Decisions.uniform(point, false);
        break;
      case HIDDEN:
        mask = exceeds(point.previousHidden().orElseThrow(() -> missingPrevious(point)), point.hidden(), point.mode());
        break;
      case POOLED_HIDDEN: {
        NDArray prev = point.previousHidden().orElseThrow(() -> missingPrevious(point));
        NDArray cur = point.hidden();
        long prevCells = prev.getShape().get(2) * prev.getShape().get(3);
        long curCells = cur.getShape().get(2) * cur.getShape().get(3);
        if (prevCells > curCells) {
          prev = pool(prev, cur.getShape());
        } else if (curCells > prevCells) {
          cur = pool(cur, prev.getShape());
        }
        mask = exceeds(prev, cur, point.mode());
        break;
      }
      case HEADS: {
        if (previousHead == null) {
          throw new IllegalStateException("similarity strategy: no head of exit point " + (index - 1)
              + " was kept; decide() must be called at every exit point of a pass in order");
        }
        NDArray prev = alignTo(previousHead, previousIds, point.sampleIds());
        mask = exceeds(prev, point.head(), point.mode());
        break;
      }
      default:
        throw new AssertionError(comparisons[index]);
    }
    if (nextNeedsHead) {
      previousHead = point.head();
      previousIds = point.sampleIds();
    } else {
      previousHead = null;
      previousIds = null;
    }
    return mask;
  }

  private static IllegalStateException missingPrevious(ExitPoint point) {
    return new IllegalStateException("similarity strategy: exit point '" + point.spec().name()
        + "' has no previous hidden state; the runner must provide it after the first exit point");
  }

  /** Average-pools (B, C, h, w) to the spatial size of {@code target} (integer factors). */
  private static NDArray pool(NDArray x, Shape target) {
    Shape s = x.getShape();
    long h = target.get(2);
    long w = target.get(3);
    return x.reshape(s.get(0), s.get(1), h, s.get(2) / h, w, s.get(3) / w).mean(new int[] {5}).mean(new int[] {3});
  }

  /** Selects the rows of {@code prev} (sample ids {@code prevIds}) that belong to the samples {@code ids}, in order. */
  private static NDArray alignTo(NDArray prev, NDArray prevIds, NDArray ids) {
    if (prevIds.getShape().equals(ids.getShape()) && prevIds.contentEquals(ids)) {
      return prev;
    }
    NDArray rows = ids.reshape(-1, 1).eq(prevIds.reshape(1, -1)).toType(DataType.INT32, false).argMax(1);
    return prev.get(rows);
  }

  /** @return (B) cosine similarity > threshold, per sample or (per-batch mode) for the whole flattened batch */
  private NDArray exceeds(NDArray a, NDArray b, DecisionMode mode) {
    long n = a.getShape().get(0);
    NDArray cos = mode == DecisionMode.PER_BATCH
        ? cosine(a.reshape(1, -1), b.reshape(1, -1)).repeat(0, n)
        : cosine(a.reshape(n, -1), b.reshape(n, -1));
    return cos.gt(threshold);
  }

  /** @return (B) cosine similarity of the rows of two (B, K) arrays (0 when a row is all zeros) */
  static NDArray cosine(NDArray a, NDArray b) {
    NDArray dot = a.mul(b).sum(new int[] {1});
    NDArray norms = a.square().sum(new int[] {1}).mul(b.square().sum(new int[] {1})).sqrt().maximum(1e-12f);
    return dot.div(norms);
  }

  /**
   * @return 3·K MACs per sample for the cosine (one dot product and two squared norms over K values), where K is the
   *     size of the compared tensors per sample: the hidden state, the smaller of two pooled maps, or C·H·W for
   *     heads; pooling sums are not MACs, and the head evaluated for a HEADS comparison is charged by the runner
   */
  @Override
  public long macsPerDecision(ExitPointSpec point) {
    return 3 * comparedSize[point.index()];
  }

  @Override
  public Optional<TrainingObjective> objective() {
    return Optional.of(this);
  }

  /** Yes: with a sample of the exits, the weights (exit index + 1) are normalised over the heads given. */
  @Override
  public boolean supportsExitSampling() {
    return true;
  }

  @Override
  public ObjectiveValue loss(LayerwiseOutputs outputs, ParameterStore store) {
    int n = outputs.heads().size();
    float[] w = new float[n];
    float sum = 0;
    for (int i = 0; i < n; i++) {
      sum += outputs.exitIndex(i) + 1;
    }
    for (int i = 0; i < n; i++) {
      w[i] = (outputs.exitIndex(i) + 1) / sum;
    }
    NDArray simple = Losses.simple(outputs);
    NDArray perHead = Losses.layerwise(outputs);
    NDArray layerwise = perHead.mul(perHead.getManager().create(w)).sum();
    return new ObjectiveValue(simple.add(layerwise), Map.of("simple", simple, "layerwise", layerwise));
  }
}
