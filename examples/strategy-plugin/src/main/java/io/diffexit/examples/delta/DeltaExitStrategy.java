package io.diffexit.examples.delta;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.diffexit.api.BackboneSpec;
import io.diffexit.api.DecisionMode;
import io.diffexit.api.ExitPoint;
import io.diffexit.api.ExitPointSpec;
import io.diffexit.api.ExitStrategy;
import io.diffexit.api.PassInfo;
import io.diffexit.api.StrategyContext;

/**
 * Exits a sample at exit point i when its head prediction g_i moved little since the previous exit point:
 * ||g_i − g_(i−1)||₂ ≤ bound · ||g_(i−1)||₂, norms over (C, H, W) per sample. It never exits at the first exit point
 * of a pass (there is nothing to compare with), and it evaluates the head at every exit point it is asked about.
 *
 * <p>The previous head is kept per sample, keyed by {@link ExitPoint#sampleIds()}, because the active batch shrinks
 * as samples exit. The copy lives in the pass's own manager ({@link PassInfo#manager()}), which the runner hands over in
 * {@link #startPass} and closes after the pass, since the arrays an {@link ExitPoint} hands out are valid only during
 * {@code decide}.
 *
 * <p>In {@link DecisionMode#PER_BATCH} mode the two norms are summed over the whole active batch and the mask is
 * uniform.
 */
public final class DeltaExitStrategy implements ExitStrategy {

  private static final int[] IMAGE_AXES = {1, 2, 3};

  private final double bound;
  private final long imageSize;

  private NDManager passManager;
  private NDArray previousHead; // (B_prev, C, H, W), owned by passManager
  private NDArray previousIds; // (B_prev) int64, owned by passManager

  DeltaExitStrategy(double bound, StrategyContext context) {
    this.bound = bound;
    BackboneSpec backbone = context.backbone();
    this.imageSize = (long) backbone.channels() * backbone.height() * backbone.width();
  }

  @Override
  public String describe() {
    return DeltaExitStrategyFactory.NAME + "(bound=" + bound + ")";
  }

  @Override
  public void startPass(PassInfo pass) {
    passManager = pass.manager();
    previousHead = null;
    previousIds = null;
  }

  @Override
  public void endPass() {
    passManager = null; // the runner closes it, with the copies kept in it
    previousHead = null;
    previousIds = null;
  }

  @Override
  public NDArray decide(ExitPoint point) {
    NDArray head = point.head();
    NDArray ids = point.sampleIds();
    long active = head.getShape().get(0);
    NDArray exit;
    if (previousHead == null) {
      exit = head.getManager().zeros(new Shape(active), DataType.BOOLEAN);
    } else {
      // Row r of `previous` is the previous head of the sample ids[r]: match ids, take the matching rows.
      NDArray match = ids.expandDims(1).eq(previousIds.expandDims(0)).toType(DataType.INT32, false);
      NDArray previous = previousHead.get(new NDIndex("{}", match.argMax(1)));
      // head first: the change and the mask belong to the ExitPoint's manager, which the caller closes; the
      // previous head's norm stays in the pass manager, closed when the pass ends.
      NDArray changeSq = head.sub(previous).square();
      NDArray previousSq = previous.square();
      double boundSq = bound * bound;
      if (point.mode() == DecisionMode.PER_BATCH) {
        NDArray batchExits = changeSq.sum().lte(previousSq.sum().mul(boundSq));
        exit = batchExits.broadcast(new Shape(active));
      } else {
        exit = changeSq.sum(IMAGE_AXES).lte(previousSq.sum(IMAGE_AXES).mul(boundSq));
      }
    }
    keep(head, ids);
    return exit;
  }

  /** Copies this exit point's heads and ids into the pass manager: the ExitPoint's arrays die after decide. */
  private void keep(NDArray head, NDArray ids) {
    NDArray headCopy = head.duplicate();
    headCopy.attach(passManager);
    NDArray idsCopy = ids.duplicate();
    idsCopy.attach(passManager);
    if (previousHead != null) {
      previousHead.close();
      previousIds.close();
    }
    previousHead = headCopy;
    previousIds = idsCopy;
  }

  /** Two sums of squares over the image per active sample (the difference and the previous head). */
  @Override
  public long macsPerDecision(ExitPointSpec point) {
    return point.index() == 0 ? 0 : 2 * imageSize;
  }
}
