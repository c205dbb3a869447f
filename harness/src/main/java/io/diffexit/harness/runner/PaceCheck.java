package io.diffexit.harness.runner;

import java.util.Locale;
import java.util.Optional;

/**
 * Tells from a full-depth run whether its timing was disturbed. A run of {@code none} makes one full-depth call per
 * denoiser evaluation, so in full passes (run time ÷ one full-depth call timed right after it) it costs about its
 * evaluation count: 50.8-52.3 for DDIM-50 at batch 64 and 59 at batch 1 (the sampler's per-step work weighs more) on a
 * steady machine. A figure far outside that means the machine's speed changed between the run and its pace probe
 * (another process competing for the cores, OpenMP workers spinning for a busy core), and every speed-up of that
 * invocation is suspect; MACs, exits and images are not affected.
 */
public final class PaceCheck {

  /** Below this many full passes per evaluation the probe was slower than the run. */
  static final double LOW = 0.8;
  /** Above this many full passes per evaluation the run was slower than the probe. */
  static final double HIGH = 1.3;

  private PaceCheck() {}

  /**
   * @param what the run, for the message (e.g. {@code none})
   * @param fullPasses the full-depth run's cost in full passes (NaN when it was not paced: then nothing is said)
   * @param evaluations its denoiser evaluations per image
   * @return a one-line warning when the cost is outside [{@value #LOW}, {@value #HIGH}] × evaluations
   */
  public static Optional<String> fullDepthRun(String what, double fullPasses, int evaluations) {
    if (Double.isNaN(fullPasses) || evaluations < 1) {
      return Optional.empty();
    }
    double ratio = fullPasses / evaluations;
    if (ratio >= LOW && ratio <= HIGH) {
      return Optional.empty();
    }
    return Optional.of(String.format(Locale.ROOT,
        "timing disturbed: %s at full depth cost %.1f full passes for %d denoiser calls (a steady machine gives"
            + " %.0f-%.0f); the machine's speed changed during the run, so its speed-ups are unreliable (MACs, exits"
            + " and images are not): rerun on a quieter machine, or with DIFFEXIT_THREADS=1",
        what, fullPasses, evaluations, LOW * evaluations, HIGH * evaluations));
  }
}
