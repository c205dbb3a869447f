package io.diffexit.strategies.reuse;

import ai.djl.ndarray.NDArray;
import io.diffexit.api.DecisionMode;
import io.diffexit.api.ReusePlan;
import io.diffexit.api.RunInfo;
import io.diffexit.api.SampleTensors;
import io.diffexit.api.StepInput;
import io.diffexit.api.StepOutcome;
import io.diffexit.api.StepReuseStrategy;
import java.util.Arrays;

/**
 * AdaptiveDiffusion step skipping (Ye et al., NeurIPS 2024, "Training-Free Adaptive Diffusion with Bounded Difference
 * Approximation Strategy"; UniModal4Reasoning/AdaptiveDiffusion, the estimator of its README), per sample.
 *
 * <p><b>Rule.</b> With x_s the sampler's input at step s and d_s = mean|x_s − x_{s−1}| (from the second step's input
 * on, as the original keeps no difference to the initial noise), the sample skips the denoiser call at step s and
 * reuses its last computed ε when {@code |(d_s + d_{s−2})/2 − d_{s−1}| ≤ threshold · d_{s−1}} (a third-order
 * difference of the latents, bounded by the first-order one), unless it already skipped {@code max-skips} steps in a
 * row. Steps 0-3 always run (the rule needs three differences). Means run over each sample's pixels; in per-batch mode
 * over the whole batch, the original's single decision. The README applies the skip cap only from its fifth decision
 * on; here it holds from the first. {@code threshold=0} skips only when the differences are exactly linear.
 *
 * <p><b>Cost.</b> Charged as cache work: 2 MACs per pixel per sample and step from the second step on (the difference
 * and its mean). A skipped call costs nothing else. Memory: the previous input and the last ε per sample.
 */
public final class StepSkipStrategy implements StepReuseStrategy {

  private static final int FIRST_DECISION = 4;

  private final double threshold;
  private final int maxSkips;

  private SampleTensors previousInput;
  private SampleTensors lastNoise;
  private double[][] diffs = new double[0][]; // per sample: d_s, d_{s-1}, d_{s-2} (most recent first)
  private int[] skipsInRow = new int[0];

  StepSkipStrategy(double threshold, int maxSkips) {
    this.threshold = threshold;
    this.maxSkips = maxSkips;
  }

  @Override
  public String describe() {
    return StepSkipStrategyFactory.NAME + "(threshold=" + threshold + ", max-skips=" + maxSkips + ")";
  }

  @Override
  public void startRun(RunInfo run) {
    endRun();
    previousInput = new SampleTensors("step-skip: previous input", run.manager(), run.samples());
    lastNoise = new SampleTensors("step-skip: last computed noise", run.manager(), run.samples());
    diffs = new double[run.samples()][3];
    for (double[] d : diffs) {
      Arrays.fill(d, Double.NaN);
    }
    skipsInRow = new int[run.samples()];
  }

  @Override
  public ReusePlan plan(StepInput step) {
    int b = step.samples();
    int[] all = new int[b];
    Arrays.setAll(all, i -> i);
    NDArray x = step.x();
    long macs = 0;
    if (step.step() >= 2 && previousInput.hasAll(all)) {
      float[] d = ReuseMath.meanAbs(x.sub(previousInput.get(all, x.getManager())), step.mode());
      macs = 2 * ReuseMath.perSample(x) * b;
      for (int id = 0; id < b; id++) {
        diffs[id][2] = diffs[id][1];
        diffs[id][1] = diffs[id][0];
        diffs[id][0] = d[id];
      }
    }
    previousInput.put(all, x);
    boolean[] skip = new boolean[b];
    int n = 0;
    if (step.step() >= FIRST_DECISION) {
      for (int id = 0; id < b; id++) {
        double[] d = diffs[id];
        boolean bounded = Math.abs((d[0] + d[2]) / 2 - d[1]) <= threshold * d[1];
        skip[id] = bounded && skipsInRow[id] < maxSkips && lastNoise.has(id);
        n += skip[id] ? 1 : 0;
      }
    }
    if (step.mode() == DecisionMode.PER_BATCH && n != b) {
      n = 0;
      Arrays.fill(skip, false);
    }
    if (n == 0) {
      return ReusePlan.runAll(b, macs);
    }
    NDArray eps = lastNoise.get(ReuseMath.where(all, skip, true), x.getManager());
    return new ReusePlan(skip, eps, -1, macs);
  }

  @Override
  public long finish(StepOutcome outcome) {
    boolean[] reused = outcome.reused();
    int b = reused.length;
    int[] all = new int[b];
    Arrays.setAll(all, i -> i);
    for (int id = 0; id < b; id++) {
      skipsInRow[id] = reused[id] ? skipsInRow[id] + 1 : 0;
    }
    boolean[] computed = new boolean[b];
    for (int id = 0; id < b; id++) {
      computed[id] = !reused[id];
    }
    int[] ids = ReuseMath.where(all, computed, true);
    if (ids.length > 0) {
      lastNoise.put(ids, ReuseMath.rows(outcome.noise(), computed, true));
    }
    return 0;
  }

  @Override
  public long cacheBytes() {
    return previousInput == null ? 0 : previousInput.bytes() + lastNoise.bytes();
  }

  @Override
  public void endRun() {
    if (previousInput != null) {
      previousInput.close();
      lastNoise.close();
      previousInput = null;
      lastNoise = null;
    }
  }
}
