package io.diffexit.strategies.reuse;

import ai.djl.ndarray.NDArray;
import io.diffexit.api.BackboneSpec;
import io.diffexit.api.ExitPoint;
import io.diffexit.api.ReusePlan;
import io.diffexit.api.RunInfo;
import io.diffexit.api.SampleTensors;
import io.diffexit.api.StepInput;
import io.diffexit.api.StepOutcome;
import io.diffexit.api.StepReuseStrategy;
import io.diffexit.api.Substitution;
import java.util.Arrays;
import java.util.Optional;

/**
 * DeepCache (Ma, Fang, Wang, CVPR 2024; horseee/DeepCache), uniform interval, per sample.
 *
 * <p><b>Rule.</b> A sample runs the full U-Net at its first step and then every {@code interval} steps; at a full
 * step the decoder feature map that enters the {@code level} finest decoder levels is cached. In the steps between,
 * the sample recomputes only the shallow path: the embedding, the {@code level} finest encoder levels (whose skip
 * connections those decoder levels consume) and those decoder levels, on the cached deep features
 * ({@link io.diffexit.api.Pass#resume}). {@code interval=1} never reuses. The original caches at the granularity of
 * one block of the first down/up stage ({@code cache_block_id}); here the unit is a resolution level.
 *
 * <p>Composed with an exit strategy, a sample that exits before the cached level at a full step has no fresh
 * features: its cache is dropped and its next step runs in full. In per-batch mode the batch reuses only when every
 * sample can.
 *
 * <p><b>Cost.</b> The deep part is not charged at a reused step; the resume is, as the backbone's
 * {@code resumeMacs}. The cache does no arithmetic of its own. Memory: one cached feature map per sample.
 */
public final class DeepCacheStrategy implements StepReuseStrategy {

  private final int interval;
  private final int level;
  private final int cachedAt;

  private SampleTensors features;
  private int[] lastFull = new int[0];
  private boolean[] refreshed = new boolean[0];

  DeepCacheStrategy(BackboneSpec backbone, int interval, int level) {
    this.interval = interval;
    this.level = level;
    this.cachedAt = backbone.exitPoints().size() - 1 - level;
  }

  @Override
  public String describe() {
    return DeepCacheStrategyFactory.NAME + "(interval=" + interval + ", level=" + level + ")";
  }

  @Override
  public void startRun(RunInfo run) {
    endRun();
    features = new SampleTensors("deepcache: cached decoder features", run.manager(), run.samples());
    lastFull = new int[run.samples()];
    Arrays.fill(lastFull, -1);
    refreshed = new boolean[run.samples()];
  }

  @Override
  public ReusePlan plan(StepInput step) {
    Arrays.fill(refreshed, false);
    int b = step.samples();
    boolean[] reuse = new boolean[b];
    int n = 0;
    for (int id = 0; id < b; id++) {
      reuse[id] = lastFull[id] >= 0 && step.step() - lastFull[id] < interval && features.has(id);
      n += reuse[id] ? 1 : 0;
    }
    if (n == 0) {
      return ReusePlan.runAll(b, 0);
    }
    int[] all = new int[b];
    Arrays.setAll(all, i -> i);
    NDArray cached = features.get(ReuseMath.where(all, reuse, true), step.x().getManager());
    return new ReusePlan(reuse, cached, cachedAt, 0);
  }

  @Override
  public Optional<Substitution> substitute(ExitPoint point) {
    if (point.spec().index() == cachedAt) {
      int[] ids = ReuseMath.ids(point);
      features.put(ids, point.hidden());
      for (int id : ids) {
        refreshed[id] = true;
      }
    }
    return Optional.empty();
  }

  @Override
  public long finish(StepOutcome outcome) {
    boolean[] reused = outcome.reused();
    for (int id = 0; id < reused.length; id++) {
      if (reused[id]) {
        continue;
      }
      if (refreshed[id]) {
        lastFull[id] = outcome.step();
      } else {
        lastFull[id] = -1; // exited before the cached level: nothing fresh to reuse
        features.forget(new int[] {id});
      }
    }
    return 0;
  }

  @Override
  public long cacheBytes() {
    return features == null ? 0 : features.bytes();
  }

  @Override
  public void endRun() {
    if (features != null) {
      features.close();
      features = null;
    }
  }
}
