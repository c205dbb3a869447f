package io.diffexit.harness.sampling;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.diffexit.api.DecisionMode;
import io.diffexit.api.ExitStrategy;
import io.diffexit.api.Sampler;
import io.diffexit.harness.ComponentSpec;
import io.diffexit.harness.checkpoint.Weights;
import io.diffexit.harness.plugins.Registries;
import io.diffexit.harness.plugins.Registry;
import io.diffexit.harness.runner.SamplingJob;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The library entry point: load a checkpoint, sample with an exit strategy and a sampler, get the images, their cost
 * and the exit trace. It is what {@code diffexit sample} does, without the command line:
 *
 * <pre>{@code
 * try (Diffexit model = Diffexit.load(Path.of("checkpoints/uvit-fmnist"))) {
 *   SampleReport r = model.sample("fixed:layer=7", "ddim:steps=50", 16, 0);
 *   float[] pixels = r.result().images();       // 16 x 1 x 28 x 28, NCHW, in [-1, 1] (not clipped)
 *   double macs = r.macsPerImage();              // analytic MACs per image, all steps
 *   ExitTrace trace = r.result().trace();        // exit point per step and sample
 * }
 * }</pre>
 *
 * <p>Components are named as on the command line ({@code name:key=value,...}); plugins come from the built-ins and
 * a plugins folder. DJL runs offline and without its graph optimizer (both set here unless the system properties
 * say otherwise, before the engine loads). Two settings only the environment can make, before the JVM starts:
 * {@code ONEDNN_MAX_CPU_ISA=SSE41} on CPUs where oneDNN's AVX kernels are wrong for small convolutions, and
 * {@code OMP_WAIT_POLICY=PASSIVE} on a machine shared with other work (see the README). Not thread-safe: one
 * sampling run at a time per instance.
 */
public final class Diffexit implements AutoCloseable {

  private final NDManager manager;
  private final SampleSession session;

  private Diffexit(NDManager manager, SampleSession session) {
    this.manager = manager;
    this.session = session;
  }

  /**
   * Loads a checkpoint's EMA weights with the built-in components only (plus {@code plugins/} when it exists).
   *
   * @param checkpoint the checkpoint folder ({@code model-card.json} inside)
   * @return the loaded model; close it to free its weights
   * @throws io.diffexit.harness.UserError with one line naming what is wrong (missing folder, corrupt file, a
   *     weights file whose SHA-256 differs from its card)
   */
  public static Diffexit load(Path checkpoint) {
    return load(checkpoint, Registries.create(Path.of("plugins")), Weights.EMA);
  }

  /**
   * @param checkpoint the checkpoint folder
   * @param registry the components to use, e.g. {@code Registries.create(pluginsFolder)}
   * @param weights EMA (what sampling should use) or training weights
   * @return the loaded model; close it to free its weights
   */
  public static Diffexit load(Path checkpoint, Registry registry, Weights weights) {
    Objects.requireNonNull(checkpoint, "checkpoint");
    // As bin/diffexit: never download, and no TorchScript graph optimizer (it profiles the first calls of every
    // batch size, which sampling with batch compaction keeps changing).
    if (System.getProperty("ai.djl.offline") == null) {
      System.setProperty("ai.djl.offline", "true");
    }
    if (System.getProperty("ai.djl.pytorch.graph_optimizer") == null) {
      System.setProperty("ai.djl.pytorch.graph_optimizer", "false");
    }
    Engine.getInstance();
    NDManager manager = NDManager.newBaseManager();
    try {
      return new Diffexit(manager, SampleSession.open(checkpoint, registry, manager, weights));
    } catch (RuntimeException e) {
      manager.close();
      throw e;
    }
  }

  /**
   * Samples {@code n} images from the same seeded noise every strategy sees (image i depends only on the seed and i),
   * with per-sample exits and batch compaction, in batches of at most 64.
   *
   * @param strategy e.g. {@code none}, {@code fixed:layer=7}, {@code deediff:threshold=0.7}
   * @param sampler e.g. {@code ddim:steps=50}, {@code dpm-solver-2m:steps=20}
   * @param n images
   * @param seed noise seed
   * @return images, MACs (per category and step), wall time and the exit trace
   */
  public SampleReport sample(String strategy, String sampler, int n, long seed) {
    return sample(strategy, sampler, new SamplingJob.Settings(n, Math.min(n, 64), seed, DecisionMode.PER_SAMPLE,
        0, new int[0], true, false));
  }

  /**
   * @param settings how many, batch size, seed, decision mode, warm-up, pacing
   * @return as {@link #sample(String, String, int, long)}
   */
  public SampleReport sample(String strategy, String sampler, SamplingJob.Settings settings) {
    Sampler s = session.sampler(ComponentSpec.parse(sampler), null, false);
    try (ExitStrategy exit = session.strategy(ComponentSpec.parse(strategy), settings.seed())) {
      return session.run(exit, s, settings, null);
    }
  }

  /** @return the open session (checkpoint, model card, backbone), for what this class does not cover */
  public SampleSession session() {
    return session;
  }

  /** Frees the weights. */
  @Override
  public void close() {
    try {
      session.close();
    } finally {
      manager.close();
    }
  }
}
