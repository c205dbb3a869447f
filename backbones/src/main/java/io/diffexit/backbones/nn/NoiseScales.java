package io.diffexit.backbones.nn;

import ai.djl.ndarray.NDArray;
import io.diffexit.api.NoiseSchedule;

/**
 * √ᾱ and √(1−ᾱ) per sample at the samples' model times: what a backbone needs to express an x̂₀ or v prediction as ε.
 *
 * @param signal √ᾱ per sample
 * @param noise √(1−ᾱ) per sample
 */
public record NoiseScales(float[] signal, float[] noise) {

  /**
   * @param schedule the forward process the model is trained for
   * @param modelTime the model time input (B), read to the host once
   * @return the scales of each sample
   */
  public static NoiseScales of(NoiseSchedule schedule, NDArray modelTime) {
    float[] mt = modelTime.toFloatArray();
    float[] s = new float[mt.length];
    float[] n = new float[mt.length];
    for (int i = 0; i < mt.length; i++) {
      double ab = schedule.alphaBarAt(schedule.timeOfModelTime(mt[i]));
      s[i] = (float) Math.sqrt(ab);
      n[i] = (float) Math.sqrt(1.0 - ab);
    }
    return new NoiseScales(s, n);
  }
}
