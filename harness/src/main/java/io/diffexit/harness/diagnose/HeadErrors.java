package io.diffexit.harness.diagnose;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import io.diffexit.api.Backbone;
import io.diffexit.api.ExitPointSpec;
import io.diffexit.api.NoiseSchedule;
import io.diffexit.api.Pass;
import io.diffexit.harness.data.ImageSet;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * How well every exit head of a backbone predicts the noise, timestep by timestep, on real images: for each t, images
 * x₀ are noised with seeded ε to x_t = √ᾱ_t·x₀ + √(1−ᾱ_t)·ε, one pass runs through every exit point, and each head's
 * ε-MSE (mean over pixels and images) is recorded, with the x̂₀-MSE it implies (x̂₀ error = ε error · √((1−ᾱ)/ᾱ),
 * so MSE_x̂₀ = MSE_ε·(1−ᾱ)/ᾱ). This is the table that says where exits can work: an exit is harmless at the t where
 * its error is close to the last head's, and the error the last head has is what training has reached.
 *
 * <p>Measured against the last head ({@link Target#FINAL_HEAD}) the same table says how far each exit is from the
 * model it stands in for, which is what an exit costs a sampler and what a distilled exit ({@code finetune
 * --distill}) is trained to shrink.
 *
 * <p>The engine's generator draws ε (seeded once by {@code seed}), so a table is reproducible for a seed and batch.
 */
public final class HeadErrors {

  private HeadErrors() {}

  /** What each head's prediction is compared with. */
  public enum Target {
    /** the sampled ε: each head's error */
    NOISE,
    /** the last head's ε̂ on the same x_t: each exit's distance from the full model (0 for the last head) */
    FINAL_HEAD;

    /**
     * @param text {@code noise} or {@code final}
     * @return the target it names
     * @throws IllegalArgumentException naming the accepted values
     */
    public static Target parse(String text) {
      return switch (text) {
        case "noise" -> NOISE;
        case "final" -> FINAL_HEAD;
        default -> throw new IllegalArgumentException("--against must be noise or final, got '" + text + "'");
      };
    }
  }

  /**
   * One row of the table.
   *
   * @param timestep the discrete timestep t
   * @param alphaBar ᾱ_t
   * @param epsMse ε-MSE per exit point, in exit-point order
   * @param epsMseHalfWidth half-width of the 95% interval of each mean (1.96 · SD of per-image MSEs / √n)
   */
  public record Row(int timestep, double alphaBar, double[] epsMse, double[] epsMseHalfWidth) {

    /** @return the x̂₀-MSE each head implies: MSE_ε·(1−ᾱ)/ᾱ */
    public double[] x0Mse() {
      double[] out = new double[epsMse.length];
      for (int i = 0; i < out.length; i++) {
        out[i] = epsMse[i] * (1 - alphaBar) / alphaBar;
      }
      return out;
    }
  }

  /**
   * @param backbone the model (inference mode, no gradients)
   * @param schedule the schedule it was trained with
   * @param images the held-out images (pixels in [0, 255], scaled to [−1, 1])
   * @param count how many images to use (the first {@code count}); at least 2
   * @param timesteps discrete timesteps in [0, T−1]
   * @param batch images per pass
   * @param seed seeds ε
   * @param manager where temporaries are made (a sub-manager per batch)
   * @return one row per timestep, in the given order
   * @throws IllegalArgumentException naming a bad count, batch or timestep
   */
  public static List<Row> measure(Backbone backbone, NoiseSchedule schedule, ImageSet images, int count,
      int[] timesteps, int batch, long seed, NDManager manager) {
    return measure(backbone, schedule, images, count, timesteps, batch, seed, Target.NOISE, manager);
  }

  /**
   * As {@link #measure(Backbone, NoiseSchedule, ImageSet, int, int[], int, long, NDManager)}, each head compared with
   * {@code target}; the rows' {@code epsMse} is then the mean square difference from it.
   *
   * @param target the sampled ε or the last head's prediction
   */
  public static List<Row> measure(Backbone backbone, NoiseSchedule schedule, ImageSet images, int count,
      int[] timesteps, int batch, long seed, Target target, NDManager manager) {
    if (count < 2 || count > images.size()) {
      throw new IllegalArgumentException("images: need 2 to " + images.size() + " images of " + images.name()
          + ", got " + count);
    }
    if (batch < 1) {
      throw new IllegalArgumentException("batch must be at least 1, got " + batch);
    }
    int steps = schedule.trainTimesteps();
    for (int t : timesteps) {
      if (t < 0 || t >= steps) {
        throw new IllegalArgumentException("timestep " + t + " is outside [0, " + (steps - 1) + "] of "
            + schedule.name());
      }
    }
    List<ExitPointSpec> exits = backbone.spec().exitPoints();
    ParameterStore store = new ParameterStore(manager, false);
    JniUtils.setSeed(seed);
    List<Row> rows = new ArrayList<>();
    boolean grad = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try {
      for (int t : timesteps) {
        double ab = schedule.alphaBar(t);
        float modelTime = (float) schedule.modelTime(schedule.timeOfIndex(t));
        double[] sum = new double[exits.size()];
        double[] sumSq = new double[exits.size()];
        for (int start = 0; start < count; start += batch) {
          int b = Math.min(batch, count - start);
          int[] idx = new int[b];
          for (int k = 0; k < b; k++) {
            idx[k] = start + k;
          }
          try (NDManager sm = manager.newSubManager()) {
            NDArray x0 = images.batch(sm, idx);
            NDArray eps = sm.randomNormal(x0.getShape());
            NDArray xt = x0.mul((float) Math.sqrt(ab)).add(eps.mul((float) Math.sqrt(1 - ab)));
            float[] tt = new float[b];
            java.util.Arrays.fill(tt, modelTime);
            Pass pass = backbone.begin(store, xt, sm.create(tt), false);
            List<NDArray> heads = new ArrayList<>(pass.exitPoints());
            for (int e = 0; e < pass.exitPoints(); e++) {
              pass.advance();
              heads.add(pass.head());
            }
            NDArray reference = target == Target.NOISE ? eps : heads.get(heads.size() - 1);
            for (int e = 0; e < heads.size(); e++) {
              float[] perImage = heads.get(e).sub(reference).square().reshape(b, -1).mean(new int[] {1}).toFloatArray();
              for (float v : perImage) {
                sum[e] += v;
                sumSq[e] += (double) v * v;
              }
            }
          }
        }
        double[] mean = new double[exits.size()];
        double[] half = new double[exits.size()];
        for (int e = 0; e < mean.length; e++) {
          mean[e] = sum[e] / count;
          double var = Math.max(0, (sumSq[e] - count * mean[e] * mean[e]) / (count - 1));
          half[e] = 1.96 * Math.sqrt(var / count);
        }
        rows.add(new Row(t, ab, mean, half));
      }
    } finally {
      JniUtils.setGradMode(grad);
    }
    return rows;
  }

  /** @return the timesteps 0, 10, 50, 100, 200, …, 900 and T−1, a default spread over the schedule */
  public static int[] defaultTimesteps(int trainTimesteps) {
    List<Integer> out = new ArrayList<>(List.of(0, 10, 50));
    for (int t = 100; t < trainTimesteps - 1; t += 100) {
      out.add(t);
    }
    out.add(trainTimesteps - 1);
    return out.stream().filter(t -> t < trainTimesteps).distinct().mapToInt(Integer::intValue).toArray();
  }
}
