package io.diffexit.api;

import ai.djl.ndarray.NDArray;

/**
 * A step-reuse strategy's answer before a step ({@link StepReuseStrategy#plan}): which samples reuse, and with what.
 *
 * @param reuse one flag per sample of the run, in id order: true where the sample reuses
 * @param values the reused samples' rows, in id order: their ε (B_reused, C, H, W) when {@code resumeAt} is -1, else
 *     their hidden state at exit point {@code resumeAt}; null when no sample reuses
 * @param resumeAt -1: the reused samples skip the denoiser call and get {@code values} as their ε (AdaptiveDiffusion);
 *     else the exit point at which their pass resumes from {@code values} ({@link Pass#resume}; DeepCache)
 * @param macs the MACs (all samples together) the strategy spent deciding, charged as cache work
 */
public record ReusePlan(boolean[] reuse, NDArray values, int resumeAt, long macs) {
  public ReusePlan {
    reuse = reuse.clone();
    int n = count(reuse);
    if (n > 0 && values == null) {
      throw new IllegalArgumentException("a reuse plan for " + n + " samples needs their values");
    }
    if (values != null && values.getShape().get(0) != n) {
      throw new IllegalArgumentException(
          "a reuse plan for " + n + " samples got values of shape " + values.getShape() + "; one row per reused sample");
    }
    if (resumeAt < -1) {
      throw new IllegalArgumentException("resumeAt must be -1 (skip the call) or an exit point index, got " + resumeAt);
    }
    if (macs < 0) {
      throw new IllegalArgumentException("negative MACs: " + macs);
    }
  }

  /** @return a plan in which every sample runs the network, after {@code macs} of decision work */
  public static ReusePlan runAll(int samples, long macs) {
    return new ReusePlan(new boolean[samples], null, -1, macs);
  }

  /** @return the plan's reuse flags (a copy) */
  @Override
  public boolean[] reuse() {
    return reuse.clone();
  }

  /** @return the number of reusing samples */
  public int reused() {
    return count(reuse);
  }

  static int count(boolean[] flags) {
    int n = 0;
    for (boolean f : flags) {
      n += f ? 1 : 0;
    }
    return n;
  }
}
