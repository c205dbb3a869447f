package io.diffexit.strategies.reuse;

import ai.djl.ndarray.NDArray;
import io.diffexit.api.BackboneSpec;
import io.diffexit.api.DecisionMode;
import io.diffexit.api.ExitPoint;
import io.diffexit.api.ReusePlan;
import io.diffexit.api.RunInfo;
import io.diffexit.api.SampleTensors;
import io.diffexit.api.StepInput;
import io.diffexit.api.StepOutcome;
import io.diffexit.api.StepReuseStrategy;
import io.diffexit.api.Substitution;
import java.util.Optional;

/**
 * First-block cache (FBCache, chengzeyi/ParaAttention; diffusers {@code FirstBlockCacheConfig}), per sample.
 *
 * <p><b>Rule.</b> Every step runs the first block. Its residual r = h₁ − h₀ (output minus the pass input, the embedded
 * tokens) is compared with the residual r* stored at the sample's last full step: when
 * {@code mean|r − r*| / mean|r*| < threshold} the sample reuses, taking the shared head on {@code h₁ + R*}, where R* is
 * the residual of all later blocks cached at that full step (h_L − h₁); otherwise it runs the rest of the network and
 * refreshes r* and R*. Rails: the first {@code warmup} steps always run in full, and after {@code max-skips} reuses in a
 * row a sample runs in full. Means run over each sample's tokens × features; in per-batch mode over the whole batch
 * (the original's single {@code .item()} decision). {@code threshold=0} never reuses (the full model, bit for bit).
 *
 * <p>Composed with an exit strategy, a sample that exits at exit point i caches R* = h_i − h₁ (the U-ViT's head is
 * shared by all exit points).
 *
 * <p><b>Cost.</b> Charged as cache work, one MAC per element of each elementwise step or reduction: the residual (N per
 * active sample, N = tokens × features), the comparison (3N per sample with a cache), the substitute (N per reusing
 * sample) and the refresh (N per sample that ran). Memory: three (tokens × features) float rows per sample (r*, h₁ and
 * R*).
 */
public final class BlockCacheStrategy implements StepReuseStrategy {

  private final double threshold;
  private final int maxSkips;
  private final int warmup;
  private final int last;

  private SampleTensors firstResidual; // r* at the last full step
  private SampleTensors firstOutput; // h1 of the current step, for samples that ran past the first block
  private SampleTensors tailResidual; // R* = h_exit − h1 at the last full step
  private int[] skipsInRow = new int[0];
  private boolean[] ranFirst = new boolean[0]; // this step: ran the first block and did not reuse
  private long elements;

  BlockCacheStrategy(BackboneSpec backbone, double threshold, int maxSkips, int warmup) {
    this.threshold = threshold;
    this.maxSkips = maxSkips;
    this.warmup = warmup;
    this.last = backbone.exitPoints().size() - 1;
  }

  @Override
  public String describe() {
    return BlockCacheStrategyFactory.NAME + "(threshold=" + threshold + ", max-skips=" + maxSkips + ", warmup=" + warmup
        + ")";
  }

  @Override
  public void startRun(RunInfo run) {
    endRun();
    firstResidual = new SampleTensors("block-cache: first-block residual", run.manager(), run.samples());
    firstOutput = new SampleTensors("block-cache: first-block output", run.manager(), run.samples());
    tailResidual = new SampleTensors("block-cache: residual of the later blocks", run.manager(), run.samples());
    skipsInRow = new int[run.samples()];
    ranFirst = new boolean[run.samples()];
  }

  @Override
  public ReusePlan plan(StepInput step) {
    java.util.Arrays.fill(ranFirst, false);
    return ReusePlan.runAll(step.samples(), 0);
  }

  @Override
  public Optional<Substitution> substitute(ExitPoint point) {
    if (point.spec().index() != 0) {
      return Optional.empty();
    }
    NDArray input = point.passInput().orElseThrow(() -> new IllegalStateException(
        "block-cache needs the pass input at the first exit point; backbone '" + point.backbone().name()
            + "' does not expose it (Pass.input())"));
    NDArray h1 = point.hidden();
    NDArray r = h1.sub(input);
    int[] ids = ReuseMath.ids(point);
    int active = ids.length;
    elements = ReuseMath.perSample(h1);
    boolean[] eligible = new boolean[active];
    int n = 0;
    for (int k = 0; k < active; k++) {
      int id = ids[k];
      eligible[k] = point.step() >= warmup && skipsInRow[id] < maxSkips && firstResidual.has(id) && threshold > 0;
      n += eligible[k] ? 1 : 0;
    }
    if (point.mode() == DecisionMode.PER_BATCH && n != active) {
      n = 0;
      java.util.Arrays.fill(eligible, false);
    }
    long macs = elements * active + 3 * elements * n;
    boolean[] reuse = new boolean[active];
    if (n > 0) {
      int[] candidates = ReuseMath.where(ids, eligible, true);
      NDArray cached = firstResidual.get(candidates, h1.getManager());
      NDArray current = ReuseMath.rows(r, eligible, true);
      float[] change = ReuseMath.meanAbs(current.sub(cached), point.mode());
      float[] scale = ReuseMath.meanAbs(cached, point.mode());
      for (int k = 0, j = 0; k < active; k++) {
        if (eligible[k]) {
          reuse[k] = change[j] < threshold * scale[j];
          j++;
        }
      }
    }
    boolean[] runs = new boolean[active];
    for (int k = 0; k < active; k++) {
      runs[k] = !reuse[k];
    }
    int[] running = ReuseMath.where(ids, runs, true);
    if (running.length > 0) {
      // the samples that run on refresh r* now and R* in finish (h1 is kept until then)
      firstResidual.put(running, ReuseMath.rows(r, runs, true));
      firstOutput.put(running, ReuseMath.rows(h1, runs, true));
      for (int id : running) {
        ranFirst[id] = true;
      }
    }
    int reusing = active - running.length;
    if (reusing == 0) {
      return Optional.of(new Substitution(reuse, null, last, macs));
    }
    int[] reusedIds = ReuseMath.where(ids, reuse, true);
    NDArray substitute = ReuseMath.rows(h1, reuse, true).add(tailResidual.get(reusedIds, h1.getManager()));
    return Optional.of(new Substitution(reuse, substitute, last, macs + elements * reusing));
  }

  @Override
  public long finish(StepOutcome outcome) {
    boolean[] reused = outcome.reused();
    for (int id = 0; id < reused.length; id++) {
      skipsInRow[id] = reused[id] ? skipsInRow[id] + 1 : 0;
    }
    long refreshed = 0;
    for (StepOutcome.Final f : outcome.finals()) {
      int[] ids = f.sampleIds();
      for (int id : ids) {
        if (!ranFirst[id]) {
          throw new IllegalStateException("block-cache: sample " + id + " finished a pass without its first block");
        }
      }
      NDArray h1 = firstOutput.get(ids, f.hidden().getManager());
      tailResidual.put(ids, f.hidden().sub(h1));
      refreshed += ids.length;
    }
    return refreshed * elements;
  }

  @Override
  public long cacheBytes() {
    return firstResidual == null ? 0 : firstResidual.bytes() + firstOutput.bytes() + tailResidual.bytes();
  }

  @Override
  public void endRun() {
    for (SampleTensors t : new SampleTensors[] {firstResidual, firstOutput, tailResidual}) {
      if (t != null) {
        t.close();
      }
    }
    firstResidual = null;
    firstOutput = null;
    tailResidual = null;
  }
}
