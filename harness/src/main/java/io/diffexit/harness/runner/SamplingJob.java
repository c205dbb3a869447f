package io.diffexit.harness.runner;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import io.diffexit.api.Backbone;
import io.diffexit.api.BackboneSpec;
import io.diffexit.api.CostMeter;
import io.diffexit.api.DecisionMode;
import io.diffexit.api.ExitStrategy;
import io.diffexit.api.ExitTrace;
import io.diffexit.api.Sampler;
import io.diffexit.api.SamplingRun;
import java.util.ArrayList;
import java.util.List;

/**
 * Samples N images in batches with one backbone, strategy and sampler, from seeded per-sample noise, and measures what
 * it cost: MACs (analytic, per category and step), exit trace, and wall-clock time per batch.
 *
 * <p>Timing: one denoiser call on a batch of the run's batch size is made first and not counted (JIT and allocator
 * warm-up); the reported wall time covers the sampling loops only (no image encoding or file IO).
 */
public final class SamplingJob {

  /**
   * @param samples images to generate
   * @param batchSize images per batch (the last batch may be smaller)
   * @param seed the noise seed (initial noise and stochastic-sampler noise; see {@link SeededNoise})
   * @param mode per-sample or per-batch exit decisions
   * @param mapSamples keep strategy pixel maps for this many leading samples (0 = none)
   * @param mapSteps the sampler steps at which to keep them
   * @param warmUp whether to run one untimed denoiser call first
   * @param pace whether to time a full-depth call ({@link FullPassProbe}) right after each batch, outside its clock
   */
  public record Settings(
      int samples,
      int batchSize,
      long seed,
      DecisionMode mode,
      int mapSamples,
      int[] mapSteps,
      boolean warmUp,
      boolean pace) {
    public Settings {
      if (samples < 1) {
        throw new IllegalArgumentException("number of samples must be at least 1, got " + samples);
      }
      if (batchSize < 1) {
        throw new IllegalArgumentException("batch size must be at least 1, got " + batchSize);
      }
      mapSteps = mapSteps == null ? new int[0] : mapSteps.clone();
    }

    /** Settings without the pace probe. */
    public Settings(
        int samples, int batchSize, long seed, DecisionMode mode, int mapSamples, int[] mapSteps, boolean warmUp) {
      this(samples, batchSize, seed, mode, mapSamples, mapSteps, warmUp, false);
    }

    /** @return settings without pixel maps, with warm-up */
    public static Settings of(int samples, int batchSize, long seed, DecisionMode mode) {
      return new Settings(samples, batchSize, seed, mode, 0, new int[0], true);
    }
  }

  /**
   * @param images generated images, (N, C, H, W) row-major, in the data range (about [−1, 1])
   * @param samples N
   * @param channels C
   * @param height H
   * @param width W
   * @param trace exit point per step and sample
   * @param cost MACs spent
   * @param batchSeconds wall time of each batch's sampling loop
   * @param fullPassSeconds when paced, the full-depth call time measured right after each batch (same batch size);
   *     else empty
   * @param maps recorded pixel maps (empty unless asked)
   */
  public record Result(
      float[] images,
      int samples,
      int channels,
      int height,
      int width,
      ExitTrace trace,
      CostMeter cost,
      List<Double> batchSeconds,
      List<Double> fullPassSeconds,
      List<PixelMapRecorder.Entry> maps) {

    /** @return total sampling wall time in seconds */
    public double wallSeconds() {
      return batchSeconds.stream().mapToDouble(Double::doubleValue).sum();
    }

    /** @return wall time per image in milliseconds */
    public double msPerImage() {
      return wallSeconds() * 1000.0 / samples;
    }

    /**
     * @return the run's cost in full passes: each batch's sampling time ÷ the full-depth call timed right after it,
     *     averaged over the batches; NaN when the run was not paced
     */
    public double fullPasses() {
      if (fullPassSeconds.isEmpty()) {
        return Double.NaN;
      }
      double sum = 0;
      for (int i = 0; i < batchSeconds.size(); i++) {
        sum += batchSeconds.get(i) / fullPassSeconds.get(i);
      }
      return sum / batchSeconds.size();
    }
  }

  /** Progress callback, per finished denoiser step across all batches. */
  @FunctionalInterface
  public interface Progress {
    /**
     * @param done steps finished so far (all batches)
     * @param total steps in the whole job
     */
    void update(long done, long total);
  }

  private SamplingJob() {}

  /**
   * @param backbone the network
   * @param store its parameter store
   * @param strategy the exit strategy
   * @param sampler the sampler
   * @param manager parent manager; every batch runs in its own sub-manager
   * @param settings run settings
   * @param progress progress callback, or null
   * @return images, trace, cost and timing
   */
  public static Result run(
      Backbone backbone,
      ParameterStore store,
      ExitStrategy strategy,
      Sampler sampler,
      NDManager manager,
      Settings settings,
      Progress progress) {
    return run(backbone, store, strategy, sampler, manager, settings, 0, progress);
  }

  /**
   * Samples one shard of a larger run: samples {@code firstSample} … {@code firstSample + settings.samples() − 1} of
   * it, from the noise those samples have in the whole run. When the shard starts at a multiple of the batch size its
   * batches are the run's batches, so its images, trace and MACs equal that part of the unsharded run (per-batch
   * decisions included). Images, trace rows and pixel-map sample indices are counted from 0 within the shard.
   *
   * @param firstSample index in the whole run of the shard's first sample
   * @see #run(Backbone, ParameterStore, ExitStrategy, Sampler, NDManager, Settings, Progress)
   */
  public static Result run(
      Backbone backbone,
      ParameterStore store,
      ExitStrategy strategy,
      Sampler sampler,
      NDManager manager,
      Settings settings,
      int firstSample,
      Progress progress) {
    if (firstSample < 0) {
      throw new IllegalArgumentException("a shard's first sample must be >= 0, got " + firstSample);
    }
    JniUtils.setGradMode(false); // grad mode is thread-local in the PyTorch engine
    BackboneSpec spec = backbone.spec();
    int steps = sampler.evaluations();
    int per = spec.channels() * spec.height() * spec.width();
    float[] images = new float[Math.multiplyExact(settings.samples(), per)];
    ExitTrace trace = new ExitTrace(steps, settings.samples(), spec.exitPoints().size());
    CostMeter cost = new CostMeter(steps);
    PixelMapRecorder maps =
        settings.mapSamples() > 0 ? new PixelMapRecorder(settings.mapSamples(), settings.mapSteps()) : null;
    List<Double> seconds = new ArrayList<>();
    List<Double> fullPass = new ArrayList<>();
    FullPassProbe probe = settings.pace() ? new FullPassProbe(backbone, store) : null;
    long total = (long) steps * ((settings.samples() + settings.batchSize() - 1) / settings.batchSize());
    long[] done = {0};

    if (settings.warmUp()) {
      warmUp(backbone, store, strategy, sampler, manager, settings, spec);
      if (probe != null) {
        probe.seconds(manager, Math.min(settings.batchSize(), settings.samples()));
      }
    }
    for (int offset = 0; offset < settings.samples(); offset += settings.batchSize()) {
      int b = Math.min(settings.batchSize(), settings.samples() - offset);
      try (NDManager scope = manager.newSubManager()) {
        SeededNoise noise = new SeededNoise(settings.seed(), firstSample + offset);
        NDArray xT = noise.initial(scope, new Shape(b, spec.channels(), spec.height(), spec.width()));
        SamplingRun run =
            new SamplingRun(
                scope,
                noise,
                (step, n) -> {
                  if (progress != null) {
                    progress.update(++done[0], total);
                  }
                });
        try (EarlyExitDenoiser denoiser =
            new EarlyExitDenoiser(backbone, store, strategy, settings.mode(), cost, trace, offset, maps, scope)) {
          long t0 = System.nanoTime();
          NDArray x0 = sampler.sample(denoiser, xT, run);
          float[] values = x0.toFloatArray(); // forces completion before the clock stops
          seconds.add((System.nanoTime() - t0) / 1e9);
          System.arraycopy(values, 0, images, offset * per, b * per);
        }
      }
      if (probe != null) {
        fullPass.add(probe.seconds(manager, b));
      }
      cost.addImages(b);
    }
    return new Result(
        images,
        settings.samples(),
        spec.channels(),
        spec.height(),
        spec.width(),
        trace,
        cost,
        List.copyOf(seconds),
        List.copyOf(fullPass),
        maps == null ? List.of() : maps.entries());
  }

  private static void warmUp(
      Backbone backbone,
      ParameterStore store,
      ExitStrategy strategy,
      Sampler sampler,
      NDManager manager,
      Settings settings,
      BackboneSpec spec) {
    int b = Math.min(settings.batchSize(), settings.samples());
    try (NDManager scope = manager.newSubManager()) {
      CostMeter ignored = new CostMeter(1);
      ExitTrace ignoredTrace = new ExitTrace(1, b, spec.exitPoints().size());
      NDArray x = new SeededNoise(settings.seed() ^ 0x5DEECE66DL, 0)
          .initial(scope, new Shape(b, spec.channels(), spec.height(), spec.width()));
      // A mid-range model time; the call only warms up kernels and allocator, its result is discarded.
      NDArray t = scope.full(new Shape(b), 500f);
      try (EarlyExitDenoiser d =
          new EarlyExitDenoiser(backbone, store, strategy, settings.mode(), ignored, ignoredTrace, 0, null, scope)) {
        d.predictNoise(x, t, 0).toFloatArray();
      }
    }
  }
}
