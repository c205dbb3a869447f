package io.diffexit.strategies.oracle;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import io.diffexit.api.ExitPoint;
import io.diffexit.api.HindsightExitStrategy;
import java.util.ArrayList;
import java.util.List;

/**
 * An upper bound for research, not a usable method: with hindsight of every exit head, each sample (at each step)
 * exits at the first exit point i whose prediction is within relative distance δ of the full network's,
 * {@code ||g_i − g_last||₂ / ||g_last||₂ ≤ δ} (norms over the sample's whole (C, H, W) map). The last exit point
 * always qualifies. It is the best any exit rule can do at that fidelity to the full model.
 */
public final class OracleStrategy implements HindsightExitStrategy {

  private final double delta;

  OracleStrategy(double delta) {
    this.delta = delta;
  }

  @Override
  public String describe() {
    return "oracle(delta=" + delta + ", upper bound: exits with hindsight of the full network's prediction)";
  }

  /**
   * Not used: an oracle needs every head before choosing.
   *
   * @throws IllegalStateException always, telling the runner to use {@link #chooseExit}
   */
  @Override
  public NDArray decide(ExitPoint point) {
    throw new IllegalStateException("exit strategy 'oracle' decides in hindsight: the runner must run every exit "
        + "point and call chooseExit(heads, point), not decide()");
  }

  @Override
  public NDArray chooseExit(List<NDArray> heads, ExitPoint point) {
    NDArray last = heads.get(heads.size() - 1);
    long b = last.getShape().get(0);
    NDArray lastNorm = last.reshape(b, -1).norm(new int[] {1}).maximum(1e-12f);
    List<NDArray> within = new ArrayList<>(heads.size());
    for (int i = 0; i < heads.size() - 1; i++) {
      NDArray distance = heads.get(i).sub(last).reshape(b, -1).norm(new int[] {1}).div(lastNorm);
      within.add(distance.lte(delta));
    }
    within.add(last.getManager().ones(lastNorm.getShape(), DataType.BOOLEAN));
    // (N, B): argMax over the exit axis returns the first true entry
    return NDArrays.stack(new NDList(within)).toType(DataType.INT32, false).argMax(0).toType(DataType.INT32, false);
  }
}
