package io.diffexit.testkit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.diffexit.api.BackboneSpec;
import io.diffexit.api.Denoiser;
import java.util.Random;

/**
 * A sampling loop for tests that needs no sampler: seeded per-sample noise, and a fixed number of denoiser calls at
 * model times falling linearly from T − 1, each followed by the per-sample update x ← x − ε̂ / steps. The update is
 * not a diffusion sampler; it only makes each step's input depend on the previous prediction, as a sampler's does,
 * while every sample's trajectory depends on that sample alone.
 */
public final class TinySampling {

  private TinySampling() {}

  /**
   * @param manager where the array is made
   * @param spec the backbone whose image shape to use
   * @param keys one key per row; a sample's noise depends only on its key and the seed, so the same sample can be
   *     placed in batches of different composition
   * @param seed the run's seed
   * @return standard normal noise (keys.length, C, H, W)
   */
  public static NDArray noise(NDManager manager, BackboneSpec spec, int[] keys, long seed) {
    int per = spec.channels() * spec.height() * spec.width();
    float[] values = new float[keys.length * per];
    for (int r = 0; r < keys.length; r++) {
      Random random = new Random(seed * 1_000_003L + keys[r]);
      for (int k = 0; k < per; k++) {
        values[r * per + k] = (float) random.nextGaussian();
      }
    }
    return manager.create(values, new Shape(keys.length, spec.channels(), spec.height(), spec.width()));
  }

  /**
   * @param step the denoiser call, 0 = first (noisiest)
   * @param steps the calls in the run
   * @param trainTimesteps T of the schedule
   * @return the model time of that call, (T − 1) · (steps − step) / steps
   */
  public static float modelTime(int step, int steps, int trainTimesteps) {
    return (float) ((trainTimesteps - 1) * (double) (steps - step) / steps);
  }

  /**
   * Runs {@code steps} denoiser calls on {@code x}.
   *
   * @param denoiser the model (a {@link ReferenceRunner}, or the harness's runner in a conformance test)
   * @param x the initial samples (B, C, H, W); not modified
   * @param steps denoiser calls
   * @param trainTimesteps T of the schedule, for the model times
   * @return the final samples, in the manager of {@code x}
   */
  public static NDArray run(Denoiser denoiser, NDArray x, int steps, int trainTimesteps) {
    NDManager owner = x.getManager();
    long b = x.getShape().get(0);
    NDArray current = x.duplicate();
    for (int step = 0; step < steps; step++) {
      try (NDManager scope = owner.newSubManager()) {
        NDArray t = scope.full(new Shape(b), modelTime(step, steps, trainTimesteps));
        NDArray eps = denoiser.predictNoise(current, t, step);
        NDArray next = current.sub(eps.div((float) steps));
        next.attach(owner);
        eps.attach(scope);
        current.close();
        current = next;
      }
    }
    return current;
  }
}
