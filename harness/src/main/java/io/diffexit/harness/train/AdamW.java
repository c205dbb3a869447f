package io.diffexit.harness.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * AdamW with decoupled weight decay, exactly as torch.optim.AdamW (amsgrad off), with its moments held as arrays so
 * they can be saved and a resumed run continues bit for bit (DJL's optimizer state is not serialisable).
 *
 * <p>Per parameter with gradient g at its k-th update (k from 1): p ← p·(1 − lr·wd); m ← β1·m + (1−β1)·g;
 * v ← β2·v + (1−β2)·g²; p ← p − (lr / (1−β1^k)) · m / (sqrt(v) / sqrt(1−β2^k) + ε). A parameter without a gradient
 * in a step (e.g. an exit head no loss used) is skipped, moments, decay and count included, as PyTorch does.
 * Weight decay applies to every parameter, as U-ViT's training does.
 */
public final class AdamW implements AutoCloseable {

  private final double beta1;
  private final double beta2;
  private final double eps;
  private final double weightDecay;
  private final List<NDArray> m = new ArrayList<>();
  private final List<NDArray> v = new ArrayList<>();
  private final long[] counts;

  /**
   * @param params the parameters it will update (for the moments' shapes); the moments are zeros in {@code manager}
   * @param manager the long-lived manager that owns the moments
   */
  public AdamW(List<NDArray> params, double beta1, double beta2, double eps, double weightDecay, NDManager manager) {
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.weightDecay = weightDecay;
    for (NDArray p : params) {
      m.add(manager.zeros(p.getShape(), p.getDataType()));
      v.add(manager.zeros(p.getShape(), p.getDataType()));
    }
    counts = new long[params.size()];
  }

  /**
   * One update of every parameter that has a gradient. Call with grad mode off.
   *
   * @param params the parameters, in the constructor's order
   * @param grads their gradients (null where a parameter got none this step)
   * @param lr the learning rate of this update
   * @param step the manager for temporaries
   */
  public void update(List<NDArray> params, List<NDArray> grads, double lr, NDManager step) {
    if (params.size() != m.size() || grads.size() != m.size()) {
      throw new IllegalArgumentException(
          "AdamW holds moments for " + m.size() + " parameters, got " + params.size() + " and " + grads.size()
              + " gradients");
    }
    // 0-d constants once per step: scalar operands would each build a tensor per call.
    NDArray decay = step.create((float) (1.0 - lr * weightDecay));
    NDArray b1 = step.create((float) beta1);
    NDArray oneMinusB1 = step.create((float) (1.0 - beta1));
    NDArray b2 = step.create((float) beta2);
    NDArray oneMinusB2 = step.create((float) (1.0 - beta2));
    NDArray epsArr = step.create((float) eps);
    Map<Long, NDArray[]> corrections = new HashMap<>();
    for (int i = 0; i < params.size(); i++) {
      NDArray g = grads.get(i);
      if (g == null) {
        continue;
      }
      long k = ++counts[i];
      NDArray[] c = corrections.computeIfAbsent(k, n -> new NDArray[] {
          step.create((float) (1.0 / Math.sqrt(1.0 - Math.pow(beta2, n)))),
          step.create((float) (-lr / (1.0 - Math.pow(beta1, n))))});
      NDArray p = params.get(i);
      NDArray mi = m.get(i);
      NDArray vi = v.get(i);
      if (weightDecay != 0) {
        p.muli(decay);
      }
      mi.muli(b1).addi(g.mul(oneMinusB1));
      vi.muli(b2).addi(g.square().muli(oneMinusB2));
      NDArray denom = vi.sqrt(); // first operand is a long-lived moment: move the result to the step manager
      denom.attach(step);
      denom.muli(c[0]).addi(epsArr);
      NDArray delta = mi.div(denom);
      delta.attach(step);
      p.addi(delta.muli(c[1]));
    }
  }

  /** @return the moments, m_0..m_{n-1} then v_0..v_{n-1} (the live arrays; do not close) */
  public NDList moments() {
    NDList out = new NDList(2 * m.size());
    out.addAll(m);
    out.addAll(v);
    return out;
  }

  /** @return updates made per parameter (for bias correction) */
  public List<Long> updateCounts() {
    List<Long> out = new ArrayList<>(counts.length);
    for (long c : counts) {
      out.add(c);
    }
    return out;
  }

  /**
   * Replaces the moments and counts with saved ones (a resumed run).
   *
   * @param saved m_0..m_{n-1} then v_0..v_{n-1}, as {@link #moments()}
   * @param updateCounts as {@link #updateCounts()}
   * @throws IllegalArgumentException when the counts or shapes do not match these parameters
   */
  public void load(NDList saved, List<Long> updateCounts) {
    if (saved.size() != 2 * m.size() || updateCounts.size() != m.size()) {
      throw new IllegalArgumentException(
          "saved optimizer state holds " + saved.size() / 2 + " parameters (" + updateCounts.size()
              + " counts), this run trains " + m.size());
    }
    for (int i = 0; i < saved.size(); i++) {
      NDArray target = i < m.size() ? m.get(i) : v.get(i - m.size());
      NDArray src = saved.get(i);
      if (!src.getShape().equals(target.getShape())) {
        throw new IllegalArgumentException(
            "saved optimizer moment " + i + " has shape " + src.getShape() + ", the parameter " + target.getShape());
      }
      src.copyTo(target);
    }
    for (int i = 0; i < counts.length; i++) {
      counts[i] = updateCounts.get(i);
    }
  }

  @Override
  public void close() {
    m.forEach(NDArray::close);
    v.forEach(NDArray::close);
  }
}
