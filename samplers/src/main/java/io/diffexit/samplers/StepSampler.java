package io.diffexit.samplers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.diffexit.api.Denoiser;
import io.diffexit.api.Sampler;
import io.diffexit.api.SamplingRun;
import java.util.Objects;

/**
 * The loop every built-in sampler shares: one denoiser call per step with the step's model time for every sample, one
 * update, the listener called after each step.
 *
 * <p>Memory: the current x, the step's temporaries and the multistep history live in one sub-manager of the run's
 * manager per step; the update's result and the carried history move to the next step's sub-manager, and the old one is
 * closed. Operations take the current x (or the prediction, which the {@link Denoiser} contract puts in x's manager) as
 * first operand, so their results land in that per-step manager. The caller's initial noise is copied, never modified
 * or closed; the result belongs to {@link SamplingRun#manager()}.
 *
 * <p>History is whole-batch: every sample gets a prediction at every step (early exit happens inside the denoiser), so a
 * (B, C, H, W) array holds each sample's own previous prediction.
 */
abstract class StepSampler implements Sampler {

  /** "sampler 'name'", used in messages. */
  protected final String owner;
  /** Number of steps (= denoiser calls). */
  protected final int steps;

  StepSampler(String name, int steps) {
    this.owner = "sampler '" + name + "'";
    this.steps = steps;
  }

  /** @return the model time passed to the denoiser at step k (the same for every sample) */
  abstract double modelTime(int k);

  /**
   * One update of the whole batch.
   *
   * @param k the step, 0-based
   * @param x the current samples (B, C, H, W)
   * @param eps the predicted noise for x
   * @param ctx the step's manager, noise and carried history
   * @return the samples after the step
   */
  abstract NDArray update(int k, NDArray x, NDArray eps, Step ctx);

  @Override
  public int evaluations() {
    return steps;
  }

  @Override
  public final NDArray sample(Denoiser denoiser, NDArray noise, SamplingRun run) {
    Objects.requireNonNull(denoiser, "denoiser");
    Objects.requireNonNull(run, "run");
    Shape shape = noise.getShape();
    if (shape.dimension() != 4) {
      throw new IllegalArgumentException(owner + ": initial noise must have shape (B, C, H, W), got " + shape);
    }
    if (noise.getDataType() != DataType.FLOAT32) {
      throw new IllegalArgumentException(owner + ": initial noise must be float32, got " + noise.getDataType());
    }
    NDManager root = run.manager();
    NDManager state = root.newSubManager();
    try {
      NDArray x = noise.duplicate();
      x.attach(state);
      NDArray carry = null;
      Shape timeShape = new Shape(shape.get(0));
      for (int k = 0; k < steps; k++) {
        NDArray t = state.full(timeShape, (float) modelTime(k));
        NDArray eps = denoiser.predictNoise(x, t, k);
        if (!eps.getShape().equals(shape)) {
          throw new IllegalStateException(owner + ": the denoiser returned shape " + eps.getShape() + " at step " + k
              + ", expected " + shape);
        }
        Step ctx = new Step(state, run, k, shape, carry);
        NDArray next = update(k, x, eps, ctx);
        NDManager nextState = root.newSubManager();
        next.attach(nextState);
        if (ctx.carryOut != null) {
          ctx.carryOut.attach(nextState);
        }
        carry = ctx.carryOut;
        state.close();
        state = nextState;
        x = next;
        run.listener().stepDone(k, steps);
      }
      x.attach(root);
      return x;
    } finally {
      state.close();
    }
  }

  /** What one update may use besides x and ε. */
  static final class Step {
    private final NDManager manager;
    private final SamplingRun run;
    private final int step;
    private final Shape shape;
    private final NDArray carryIn;
    private NDArray carryOut;

    Step(NDManager manager, SamplingRun run, int step, Shape shape, NDArray carryIn) {
      this.manager = manager;
      this.run = run;
      this.step = step;
      this.shape = shape;
      this.carryIn = carryIn;
    }

    /** @return N(0, I) noise for this step from the run's noise source (a function of seed, sample and step) */
    NDArray noise() {
      return run.noise().normal(manager, shape, step);
    }

    /** @return what the previous step carried, or null at the first step */
    NDArray carried() {
      return carryIn;
    }

    /** Keeps {@code history} for the next step. */
    void carry(NDArray history) {
      this.carryOut = history;
    }
  }

  /** @return the model's time input at each discrete timestep of the list (the schedule's one conversion rule) */
  static double[] modelTimesOf(io.diffexit.api.NoiseSchedule schedule, int[] timesteps) {
    double[] out = new double[timesteps.length];
    for (int k = 0; k < timesteps.length; k++) {
      out[k] = schedule.modelTime(schedule.timeOfIndex(timesteps[k]));
    }
    return out;
  }

  /** @return ᾱ at each timestep of the list */
  static double[] alphaBarsOf(io.diffexit.api.NoiseSchedule schedule, int[] timesteps) {
    double[] out = new double[timesteps.length];
    for (int k = 0; k < timesteps.length; k++) {
      out[k] = schedule.alphaBar(timesteps[k]);
    }
    return out;
  }

  /**
   * @param last ᾱ after the final step (1 for "set alpha to one", else ᾱ of timestep 0)
   * @return ᾱ at the timestep each step moves to: the next one of the list, and {@code last} after the final step
   */
  static double[] previousAlphaBarsOf(io.diffexit.api.NoiseSchedule schedule, int[] timesteps, double last) {
    double[] out = new double[timesteps.length];
    for (int k = 0; k < timesteps.length; k++) {
      out[k] = k + 1 < timesteps.length ? schedule.alphaBar(timesteps[k + 1]) : last;
    }
    return out;
  }

  /** Formats a double for describe(): 0.0, 1e-3 as 0.001. */
  static String fmt(double v) {
    return java.math.BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
  }

  /** "980..0" style summary of a timestep list. */
  static String span(int[] ts) {
    return ts[0] + ".." + ts[ts.length - 1];
  }

  @Override
  public String toString() {
    return describe();
  }
}
